/**
 * The writer's warm CPU as calibrate-cpu fits it: per invocation, per record and per round of
 * PutObjects, from the warm invocations of shapes that differ in records and rounds.
 */

/** A warm invocation's shape and CPU: its records, its rounds of PutObjects, its ms of CPU. */
export interface WarmPoint {
    records: number;
    rounds: number;
    cpuMs: number;
}

/**
 * CPU per invocation, per record and per round through the shapes' warm points, none below 0: least
 * squares (with three shapes, the exact solution); where that gives a negative term, which is noise,
 * the best fit without it. The records' term is always kept.
 */
export function fitInvocationRecordsRounds(points: WarmPoint[]): { perInvocation: number; perRecord: number; perRound: number } {
    const columns = { perInvocation: () => 1, perRecord: (p: WarmPoint) => p.records, perRound: (p: WarmPoint) => p.rounds };
    type Term = keyof typeof columns;
    const subsets: Term[][] = [
        ["perInvocation", "perRecord", "perRound"],
        ["perRecord", "perRound"],
        ["perInvocation", "perRecord"],
        ["perRecord"],
    ];
    let best: { fit: Record<Term, number>; residual: number } | undefined;
    for (const terms of subsets) {
        const solved = leastSquares(points.map((p) => terms.map((term) => columns[term](p))), points.map((p) => p.cpuMs));
        if (!solved || solved.some((value) => !(value >= 0))) continue;
        const fit = { perInvocation: 0, perRecord: 0, perRound: 0 };
        terms.forEach((term, i) => (fit[term] = solved[i]));
        const residual = points.reduce((total, p) => total + (fit.perInvocation + fit.perRecord * p.records + fit.perRound * p.rounds - p.cpuMs) ** 2, 0);
        // The fuller fit wins unless a smaller one fits as well (within rounding).
        if (!best || residual < best.residual - 1e-6) best = { fit, residual };
    }
    if (!best) throw new Error(`no fit of the writer's CPU with every term 0 or more through ${JSON.stringify(points)}`);
    return best.fit;
}

/** Solves min |A x − b|² by the normal equations (Gaussian elimination); undefined when singular. */
function leastSquares(a: number[][], b: number[]): number[] | undefined {
    const n = a[0]?.length ?? 0;
    const m = Array.from({ length: n }, (_, i) => [
        ...Array.from({ length: n }, (_, j) => a.reduce((total, row) => total + row[i] * row[j], 0)),
        a.reduce((total, row, k) => total + row[i] * b[k], 0),
    ]);
    for (let col = 0; col < n; col++) {
        const pivot = m.slice(col).reduce((bestRow, row, k) => (Math.abs(row[col]) > Math.abs(m[bestRow][col]) ? col + k : bestRow), col);
        if (Math.abs(m[pivot][col]) < 1e-9) return undefined;
        [m[col], m[pivot]] = [m[pivot], m[col]];
        for (let row = 0; row < n; row++) {
            if (row === col) continue;
            const factor = m[row][col] / m[col][col];
            for (let k = col; k <= n; k++) m[row][k] -= factor * m[col][k];
        }
    }
    return m.map((row, i) => row[n] / row[i]);
}

/** A sandbox's CPU beyond warm, cumulated over its invocations so far: after `recordsThrough` records, `excessMs`. */
export interface WarmUpPoint {
    recordsThrough: number;
    excessMs: number;
}

export interface WarmUpFit {
    /** ms of CPU the first invocation spends beyond warm, apart from the decaying part. */
    msFirstInvocation: number;
    msWarmUp: number;
    warmUpRecords: number;
    rmsMs: number;
}

/**
 * A sandbox's warm-up fitted to its invocations' cumulative excess CPU over warm:
 * msFirstInvocation (all of it in the first invocation, whatever its records, so in every
 * cumulative point) plus
 * msWarmUp × (1 − e^(−records / warmUpRecords)). Least squares with both terms 0 or more (where
 * both together give a negative one, the better of each alone); the decay by a search over 10 to
 * 5,000 records.
 */
export function fitWarmUp(points: WarmUpPoint[]): WarmUpFit {
    if (points.length === 0) throw new Error("no early invocations to fit the warm-up to");
    let best: WarmUpFit = { msFirstInvocation: 0, msWarmUp: 0, warmUpRecords: 1, rmsMs: Infinity };
    const excess = points.map((p) => p.excessMs);
    for (let decay = 10; decay <= 5000; decay *= 1.02) {
        const curve = points.map((p) => 1 - Math.exp(-p.recordsThrough / decay));
        const candidates: Array<{ first: number; warmUp: number }> = [];
        const both = leastSquares(points.map((_, i) => [1, curve[i]]), excess);
        if (both && both.every((value) => value >= 0)) candidates.push({ first: both[0], warmUp: both[1] });
        const onlyFirst = leastSquares(points.map(() => [1]), excess);
        if (onlyFirst && onlyFirst[0] >= 0) candidates.push({ first: onlyFirst[0], warmUp: 0 });
        const onlyCurve = leastSquares(points.map((_, i) => [curve[i]]), excess);
        if (onlyCurve && onlyCurve[0] >= 0) candidates.push({ first: 0, warmUp: onlyCurve[0] });
        for (const { first, warmUp } of candidates) {
            const rmsMs = Math.sqrt(points.reduce((total, p, i) => total + (p.excessMs - first - warmUp * curve[i]) ** 2, 0) / points.length);
            if (rmsMs < best.rmsMs - 1e-9) best = { msFirstInvocation: first, msWarmUp: warmUp, warmUpRecords: decay, rmsMs };
        }
    }
    if (!Number.isFinite(best.rmsMs)) best = { msFirstInvocation: 0, msWarmUp: 0, warmUpRecords: 1, rmsMs: Math.sqrt(excess.reduce((t, e) => t + e * e, 0) / excess.length) };
    return best;
}

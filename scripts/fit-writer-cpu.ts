/**
 * The writer's CPU as calibrate-cpu fits it: warm, per invocation, per record and per round of
 * PutObjects, from the warm invocations of shapes that differ in records and rounds; and a new
 * sandbox's warm-up, from its early invocations.
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
    // Columns: per invocation, per record, per round; the records' term is in every subset.
    const rows = points.map((p) => [1, p.records, p.rounds]);
    const best = nonNegativeFit(rows, points.map((p) => p.cpuMs), [[0, 1, 2], [1, 2], [0, 1], [1]]);
    if (!best) throw new Error(`no fit of the writer's CPU with every term 0 or more through ${JSON.stringify(points)}`);
    const [perInvocation, perRecord, perRound] = best.coefficients;
    return { perInvocation, perRecord, perRound };
}

/**
 * Least squares of b over the columns of `rows`, each subset of columns in turn (the others held at
 * 0), keeping only fits whose terms are all 0 or more: the first subset listed wins unless a later
 * one fits better by more than rounding (1e-6 in the residual). The coefficients of every column
 * (0 for those left out) and the residual sum of squares; undefined when no subset fits.
 */
function nonNegativeFit(rows: number[][], b: number[], subsets: number[][]): { coefficients: number[]; residual: number } | undefined {
    let best: { coefficients: number[]; residual: number } | undefined;
    for (const columns of subsets) {
        const solved = leastSquares(rows.map((row) => columns.map((column) => row[column])), b);
        if (!solved || solved.some((value) => !(value >= 0))) continue;
        const coefficients = rows[0].map(() => 0);
        columns.forEach((column, i) => (coefficients[column] = solved[i]));
        const residual = rows.reduce((total, row, k) => total + (row.reduce((sum, value, column) => sum + value * coefficients[column], 0) - b[k]) ** 2, 0);
        if (!best || residual < best.residual - 1e-6) best = { coefficients, residual };
    }
    return best;
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
 * cumulative point) plus msWarmUp × (1 − e^(−records / warmUpRecords)). Least squares with both
 * terms 0 or more (where both together give a negative one, the better of each alone); the decay
 * by a search over 10 to 5,000 records.
 */
export function fitWarmUp(points: WarmUpPoint[]): WarmUpFit {
    if (points.length === 0) throw new Error("no early invocations to fit the warm-up to");
    const excess = points.map((p) => p.excessMs);
    let best: WarmUpFit | undefined;
    for (let decay = 10; decay <= 5000; decay *= 1.02) {
        // Columns: the first invocation's part (in every cumulative point), the curve's.
        const fit = nonNegativeFit(points.map((p) => [1, 1 - Math.exp(-p.recordsThrough / decay)]), excess, [[0, 1], [0], [1]]);
        if (!fit) continue;
        const rmsMs = Math.sqrt(fit.residual / points.length);
        if (!best || rmsMs < best.rmsMs - 1e-9) best = { msFirstInvocation: fit.coefficients[0], msWarmUp: fit.coefficients[1], warmUpRecords: decay, rmsMs };
    }
    return best ?? { msFirstInvocation: 0, msWarmUp: 0, warmUpRecords: 1, rmsMs: Math.sqrt(excess.reduce((t, e) => t + e * e, 0) / excess.length) };
}

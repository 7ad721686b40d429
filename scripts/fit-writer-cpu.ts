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

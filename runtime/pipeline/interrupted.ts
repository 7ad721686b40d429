/** The message a run fails with when its AbortSignal fires (Ctrl-C); the CLIs exit 130 for it. */
export const INTERRUPTED = "the run was interrupted";

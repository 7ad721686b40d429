import { FaultDice } from "./random";

/**
 * `--duplicate-async-rate P`: a fraction P of the asynchronous events Lambda accepts (the S3
 * trigger's, and the splitter's self-invoked continuations) are delivered a second time, as a
 * separate event with its own request id. AWS (invocation-async-error-handling): "your function
 * may receive the same event multiple times, even if no error occurs". Pass `duplicate` as an
 * AsyncInvocationQueue's `duplicates` option.
 */
export class AsyncDuplicatePlan {
    private readonly dice: FaultDice;
    duplicated = 0;

    constructor(rate: number, seed: number) {
        this.dice = new FaultDice(rate, seed, 5);
    }

    readonly duplicate = (): boolean => {
        const roll = this.dice.roll();
        if (roll) this.duplicated++;
        return roll;
    };
}

import { FaultDice } from "./random";

/**
 * `--duplicate-rate P`: after a fraction P of the batches succeed, the event source mapping
 * delivers the same batch again, before that lane's next batch, as AWS does when a checkpoint is
 * lost (the mapping and S3 notifications are both at-least-once). Pass `redeliver` as the
 * mapping's `redeliver` option.
 */
export class DuplicatePlan {
    private readonly dice: FaultDice;

    constructor(rate: number, seed: number) {
        this.dice = new FaultDice(rate, seed, 4);
    }

    readonly redeliver = (): boolean => this.dice.roll();
}

/**
 * The time the nodes act at (outbox due times, redelivery polls, the platforms' time rules). Real time; the node
 * tests move it, so Google's six-hour rule and the dead letter's week are tested without waiting for them.
 */
export const nodeClock: { now(): Date } = {
	now: () => new Date(),
};

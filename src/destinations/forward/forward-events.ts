import type { EventResult, ForwardableEvent, Platform } from '../types';
import { type ReadItem, groupBySettings } from './batches';
import { type Forward, type LocalFailure, failedForward, forwardOf } from './outcomes';

/** A run over a node's input: its side effects (reading an item, sending a group) passed in. */
export interface ForwardRun<C> {
	platform: Platform;
	/** How many input items there are. */
	count: number;
	/** One item's settings and event; throws what the item or its settings get wrong. */
	readItem(itemIndex: number): { config: C; event: ForwardableEvent };
	/** Sends one group's events with its settings: one result per event. */
	send(events: ForwardableEvent[], config: C): Promise<EventResult[]>;
	/**
	 * An item that could not be read (`configuration`), or a group that could not be sent (`send_error`, the
	 * group's first item): throw to stop the run, return to go on with the item(s) failed.
	 */
	onError(error: unknown, itemIndex: number, code: LocalFailure): void;
	/**
	 * Called once every item is read and before the first group is sent, with the items that will be sent (the
	 * redelivery outbox is written here, so an entry exists before its event leaves). What it throws stops the run.
	 */
	beforeSend?(itemIndexes: number[]): Promise<void>;
}

/** One item's `forward`. */
export interface ItemForward {
	itemIndex: number;
	forward: Forward;
	/** The platform's Retry-After (ms) for a transient failure, when it gave one: for the redelivery backoff, not the item. */
	retryAfterMs?: number;
}

const messageOf = (error: unknown) => (error as Error).message;

/**
 * Reads every item, sends the items whose settings agree together, and returns each item's `forward`, in input
 * order. Nothing is dropped: an item that cannot be read, or a group that cannot be sent, either stops the run
 * (onError throws) or becomes a failed `forward` saying why. Items are all read before anything is sent, so a
 * bad item stops the run before any event leaves.
 */
export async function forwardEvents<C>(run: ForwardRun<C>): Promise<ItemForward[]> {
	const read: Array<ReadItem<C>> = [];
	const outcomes: ItemForward[] = [];
	for (let itemIndex = 0; itemIndex < run.count; itemIndex++) {
		try {
			read.push({ itemIndex, ...run.readItem(itemIndex) });
		} catch (error) {
			run.onError(error, itemIndex, 'configuration');
			outcomes.push({ itemIndex, forward: failedForward(run.platform, 'configuration', messageOf(error)) });
		}
	}
	if (run.beforeSend && read.length > 0) await run.beforeSend(read.map(({ itemIndex }) => itemIndex));
	for (const group of groupBySettings(read)) {
		try {
			const results = await run.send(group.events, group.config);
			results.forEach((result, position) =>
				outcomes.push({
					itemIndex: group.indexes[position],
					forward: forwardOf(run.platform, result),
					...(result.retryAfterMs !== undefined ? { retryAfterMs: result.retryAfterMs } : {}),
				}),
			);
		} catch (error) {
			run.onError(error, group.indexes[0], 'send_error');
			for (const itemIndex of group.indexes) outcomes.push({ itemIndex, forward: failedForward(run.platform, 'send_error', messageOf(error)) });
		}
	}
	return outcomes.sort((a, b) => a.itemIndex - b.itemIndex);
}

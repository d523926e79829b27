import type { ForwardableEvent } from '../types';

/** One item read for forwarding: its index in the input, its settings and its event. */
export interface ReadItem<C> {
	itemIndex: number;
	config: C;
	event: ForwardableEvent;
}

/** Items whose settings agree: sent together (the sender splits them to the platform's batch limit). */
export interface SettingsGroup<C> {
	config: C;
	events: ForwardableEvent[];
	/** The input index of each event, position for position. */
	indexes: number[];
}

/**
 * Groups items by equal settings (compared as JSON, since each item's settings are read on their own and may be
 * expressions), in the order each group first appears, items in input order within a group. Usually every
 * item has the same settings, so this is one group and as few requests as the platform allows.
 */
export function groupBySettings<C>(items: Array<ReadItem<C>>): Array<SettingsGroup<C>> {
	const groups = new Map<string, SettingsGroup<C>>();
	for (const { itemIndex, config, event } of items) {
		const key = JSON.stringify(config);
		const group = groups.get(key) ?? { config, events: [], indexes: [] };
		group.events.push(event);
		group.indexes.push(itemIndex);
		groups.set(key, group);
	}
	return [...groups.values()];
}

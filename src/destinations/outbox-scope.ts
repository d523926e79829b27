/**
 * The redelivery outbox as one workflow sees it. Several workflows often share one tracking store (the default
 * SQLite file of an n8n), each with its own Meta pixel or partner; an entry must only ever be sent again through
 * the workflow that wrote it, or a Redelivery Trigger would send one client's conversion with another's
 * credential. So every destination is stored as `<scope>/<destination>` (the scope is the workflow id) and a
 * scoped view adds and removes that prefix: nodes and the trigger keep speaking plain destinations ('meta',
 * 'postback:…'), and a trigger claims only its own workflow's entries.
 */
import type { ClaimedOutboxEntry, OutboxEntry, OutboxStore, ReplayReport, ReplayRequest } from '../store/types';

const SEPARATOR = '/';

/** The stored destination of `destination` in `scope`. */
export function scopedDestination(scope: string, destination: string): string {
	return `${scope}${SEPARATOR}${destination}`;
}

/** A stored destination split into its scope and the destination the nodes know (no scope: entries written before scopes). */
export function splitDestination(stored: string): { scope?: string; destination: string } {
	const at = stored.indexOf(SEPARATOR);
	// Destinations themselves never contain '/': platform ids and `postback:<preset>~<hash>` or a Target ID (no '/').
	return at === -1 ? { destination: stored } : { scope: stored.slice(0, at), destination: stored.slice(at + 1) };
}

function checkScope(scope: string): string {
	const text = String(scope ?? '').trim();
	if (text === '' || text.includes(SEPARATOR) || text.includes('*'))
		throw new TypeError(`An outbox scope must be a non-empty id without "/" or "*", not "${text}"`);
	return text;
}

function unscoped<E extends OutboxEntry>(entry: E): E {
	return { ...entry, destination: splitDestination(entry.destination).destination };
}

/** The outbox seen from one workflow: its entries only, with plain destinations. */
export function scopedOutbox<S extends OutboxStore>(store: S, scope: string): OutboxStore {
	const prefix = checkScope(scope);
	const add = (destination: string) => scopedDestination(prefix, destination);
	const mine = (entry: OutboxEntry) => splitDestination(entry.destination).scope === prefix;
	return {
		enqueueDeliveries: async (entries) => await store.enqueueDeliveries(entries.map((entry) => ({ ...entry, destination: add(entry.destination) }))),
		claimDueDeliveries: async (options) => {
			// No list means every destination of this workflow: its prefix, which the store matches with a trailing '*'.
			const destinations = options.destinations === undefined ? [add('*')] : options.destinations.map(add);
			const claimed: ClaimedOutboxEntry[] = await store.claimDueDeliveries({ ...options, destinations });
			return claimed.filter(mine).map(unscoped);
		},
		settleDelivery: async (key, settlement, detail) => await store.settleDelivery({ ...key, destination: add(key.destination) }, settlement, detail),
		listOutbox: async (filter = {}) => {
			const entries = await store.listOutbox(filter.destination === undefined ? filter : { ...filter, destination: add(filter.destination) });
			return entries.filter(mine).map(unscoped);
		},
		replayDeliveries: async (request: ReplayRequest): Promise<ReplayReport> => {
			const report = await store.replayDeliveries({ ...request, destination: add(request.destination) });
			return { ...report, destination: request.destination };
		},
	};
}

/**
 * One poll of the Redelivery Trigger, without n8n: claims the outbox entries due now and splits them into the
 * items to send again (the stored funnel item plus `redelivery: { destination, attempt, token }`, which the
 * destination node settles with), the journaled postbacks the Funnel has not decided yet (destination `intake`,
 * src/destinations/intake-journal.ts: the Postback Trigger's item, marked the same way, for the Funnel) and the
 * entries past the dead-letter limits, settled gave_up here with the claim's token (so each one is reported
 * once, even with several pollers) and reported with their history.
 */
import type { Delivery, DeliveryStore, OutboxStore } from '../store/types';
import { DEFAULT_DEAD_LETTER_LIMITS, type DeadLetterLimits, type DeadLetterReason, deadLetter, deadLetterMessage } from './redelivery';
import type { RedeliveryMark } from './forward/outbox';
import { INTAKE_DESTINATION } from './intake-journal';

export interface RedeliveryPollOptions {
	/** Most entries claimed by one poll (1 to 1000). */
	limit: number;
	/** How long a claimed entry is this poll's: after it, unsettled, it is due again (a run that died). */
	leaseMs: number;
	/** Only these destinations; absent or empty: every destination. */
	destinations?: string[];
	limits?: DeadLetterLimits;
}

/** A due entry as an item: the stored item with the claim's mark. */
export type DueItem = Record<string, unknown> & { conversionId: string; redelivery: RedeliveryMark };

/**
 * A journaled postback due again: the Postback Trigger's accepted item (with its `intake` mark) and the claim's
 * mark. No conversionId: the entry's id is the journal's, and the Funnel derives the conversion's own.
 */
export type PostbackItem = Record<string, unknown> & { redelivery: RedeliveryMark };

/** An entry given up by this poll, with what was tried. */
export type GaveUpItem = {
	conversionId: string;
	destination: string;
	reason: DeadLetterReason;
	message: string;
	attempts: number;
	createdAt: string;
	lastCode?: string;
	lastReason?: string;
	/** The conversion log's lines for this destination, oldest first. */
	history: Delivery[];
	/** The item that was to be sent (the outbox drops it once given up). */
	item?: unknown;
};

export type RedeliveryStore = Pick<OutboxStore, 'claimDueDeliveries' | 'settleDelivery'> & Pick<DeliveryStore, 'listDeliveries'>;

/**
 * The conversion log's name for an outbox destination. A Send Postback target without a Target ID is logged as
 * `postback:<preset>` (as before the outbox), while its outbox entries add `~<hash of the URL template>` to tell
 * two such targets apart (src/partners/outbox.ts): its history is the lines under the shorter name.
 */
function logDestinationOf(destination: string): string {
	return destination.startsWith('postback:') ? destination.replace(/~[0-9a-f]{8}$/, '') : destination;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** What one poll emits: due conversions for the destination nodes, due postbacks for the Funnel, and the dead letters. */
export interface RedeliveryPoll {
	due: DueItem[];
	gaveUp: GaveUpItem[];
	postbacks: PostbackItem[];
}

export async function pollRedeliveries(store: RedeliveryStore, now: Date, options: RedeliveryPollOptions): Promise<RedeliveryPoll> {
	const limits = options.limits ?? DEFAULT_DEAD_LETTER_LIMITS;
	const claimed = await store.claimDueDeliveries({
		now: now.toISOString(),
		limit: options.limit,
		leaseMs: options.leaseMs,
		...(options.destinations && options.destinations.length > 0 ? { destinations: options.destinations } : {}),
	});
	const due: DueItem[] = [];
	const postbacks: PostbackItem[] = [];
	const gaveUp: Array<Omit<GaveUpItem, 'history'>> = [];
	for (const entry of claimed) {
		const reason = deadLetter(entry, now, limits);
		if (!reason) {
			const stored = isRecord(entry.item) ? entry.item : {};
			const redelivery: RedeliveryMark = { destination: entry.destination, attempt: entry.attempts + 1, token: entry.token };
			if (entry.destination === INTAKE_DESTINATION) {
				postbacks.push({ ...stored, redelivery });
				continue;
			}
			due.push({
				...stored,
				conversionId: entry.conversionId,
				redelivery,
			});
			continue;
		}
		const message = deadLetterMessage(reason, entry, limits);
		const settled = await store.settleDelivery(
			{ conversionId: entry.conversionId, destination: entry.destination },
			{ state: 'gave_up' },
			{ code: reason, reason: message, token: entry.token, at: now.toISOString() },
		);
		// false: another run settled it after our claim ran out; it is theirs to report.
		if (!settled) continue;
		gaveUp.push({
			conversionId: entry.conversionId,
			destination: entry.destination,
			reason,
			message,
			attempts: entry.attempts,
			createdAt: entry.createdAt,
			...(entry.lastCode !== undefined ? { lastCode: entry.lastCode } : {}),
			...(entry.lastReason !== undefined ? { lastReason: entry.lastReason } : {}),
			...(entry.item !== undefined ? { item: entry.item } : {}),
		});
	}
	if (gaveUp.length === 0) return { due, gaveUp: [], postbacks };
	const lines = await store.listDeliveries({ conversionIds: [...new Set(gaveUp.map((entry) => entry.conversionId))] });
	return {
		due,
		postbacks,
		gaveUp: gaveUp.map((entry) => ({
			...entry,
			history: lines.filter(
				(line) =>
					line.conversionId === entry.conversionId && (line.destination === entry.destination || line.destination === logDestinationOf(entry.destination)),
			),
		})),
	};
}

/**
 * The durable outbox's checks and rows (issue 16), shared by both stores so they accept and return the same values.
 *
 * What both stores do, beyond the interface's words:
 * - Times: `dueAt`, `now` and `at` are the caller's (ISO 8601 with an offset), stored canonical. A claim's lease
 *   runs out at the `now` it was claimed with plus `leaseMs`, and a later claim compares it with its own `now`: what
 *   is due and what has expired are decided on one clock (the callers'; their skew must stay well under the lease).
 *   createdAt is the database's clock, as is updatedAt unless a settlement gives `at`.
 * - A claim writes a fresh token and expiry on each entry and nothing else (updatedAt and attempts stay).
 * - A token settles while it is the entry's current one, even after its lease ran out, as long as nobody claimed
 *   the entry since (the next claim replaces the token). Settling without a token clears whatever lease there is.
 * - Each settlement counts one attempt and sets lastCode and lastReason to what it gives (absent: cleared).
 * - One enqueue batch is written in key order (byte order of conversion id, then destination): concurrent batches
 *   never deadlock, and listOutbox returns one batch's entries in that order.
 */

import { byCodeUnits } from './rows';
import { claimToken, compact, isoTime, jsonText, MAX_LEASE_MS, optionalText, requireText, StoreInputError } from './common';
import type { ClaimedOutboxEntry, OutboxEntry, OutboxSettlement, OutboxState, ReplayReport, ReplaySkipReason } from './types';

export const OUTBOX_STATES: readonly OutboxState[] = ['pending', 'sent', 'failed', 'gave_up'];
export const MAX_OUTBOX_BATCH = 1000;
export const DEFAULT_OUTBOX_LIST_LIMIT = 100;
/** The longest reason an entry keeps, as for delivery lines. */
export const OUTBOX_REASON_LENGTH = 1000;
/** The codes an entry settled by the store itself carries (not by a send). */
export const OUTBOX_ERASED_CODE = 'erased';
export const OUTBOX_RETENTION_CODE = 'retention';

export interface OutboxInsert {
	/** Where the entry was in the caller's list. */
	index: number;
	conversionId: string;
	destination: string;
	item: string;
	dueAt: string;
}

/**
 * The entries to enqueue, checked, in key order (byte order of conversion id, then destination): concurrent batches
 * then take their row locks in one order and never wait on each other crosswise.
 */
export function outboxInserts(entries: unknown): OutboxInsert[] {
	if (!Array.isArray(entries)) throw new StoreInputError('enqueueDeliveries needs a list of { conversionId, destination, item, dueAt }');
	const checked = entries.map((entry: unknown, index): OutboxInsert => {
		if (!entry || typeof entry !== 'object') throw new StoreInputError(`enqueueDeliveries: entry ${index} must be { conversionId, destination, item, dueAt }`);
		const { conversionId, destination, item, dueAt } = entry as Record<string, unknown>;
		return {
			index,
			conversionId: requireText(conversionId, 'conversionId'),
			destination: requireText(destination, 'destination'),
			item: jsonText(item),
			dueAt: isoTime(dueAt, 'dueAt'),
		};
	});
	return checked.sort((a, b) => byCodeUnits(a.conversionId, b.conversionId) || byCodeUnits(a.destination, b.destination) || a.index - b.index);
}

export interface OutboxClaimInput {
	now: string;
	limit: number;
	leaseMs: number;
	/** When the leases taken now run out: `now` + leaseMs. */
	leaseExpiresAt: string;
	/** undefined: every destination. */
	destinations?: string[];
	/** One fresh token per entry that may be claimed (`limit` of them). */
	tokens: string[];
}

export function outboxClaimInput(options: unknown): OutboxClaimInput {
	if (!options || typeof options !== 'object') throw new StoreInputError('claimDueDeliveries needs { now, limit, leaseMs }');
	const { now: givenNow, limit, leaseMs, destinations } = options as Record<string, unknown>;
	const now = isoTime(givenNow, 'now');
	if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_OUTBOX_BATCH) {
		throw new StoreInputError(`limit must be a whole number from 1 to ${MAX_OUTBOX_BATCH}; got ${String(limit)}`);
	}
	if (typeof leaseMs !== 'number' || !Number.isInteger(leaseMs) || leaseMs < 1 || leaseMs > MAX_LEASE_MS) {
		throw new StoreInputError(`leaseMs must be a whole number of milliseconds from 1 to ${MAX_LEASE_MS}; got ${String(leaseMs)}`);
	}
	const leaseExpiresAt = isoTime(new Date(Date.parse(now) + leaseMs).toISOString(), 'now + leaseMs');
	let names: string[] | undefined;
	if (destinations !== undefined) {
		if (!Array.isArray(destinations)) throw new StoreInputError('destinations must be a list of destination names');
		names = [...new Set(destinations.map((name) => requireText(name, 'destinations[]')))];
	}
	return { now, limit, leaseMs, leaseExpiresAt, ...(names ? { destinations: names } : {}), tokens: Array.from({ length: limit }, claimToken) };
}

export interface OutboxSettleInput {
	conversionId: string;
	destination: string;
	state: Exclude<OutboxState, 'pending'> | 'pending';
	/** Only for 'pending'. */
	dueAt: string | null;
	code: string | null;
	reason: string | null;
	token: string | null;
	/** null: the database's clock. */
	at: string | null;
}

export function outboxSettleInput(key: unknown, settlement: unknown, detail: unknown): OutboxSettleInput {
	if (!key || typeof key !== 'object') throw new StoreInputError('settleDelivery needs { conversionId, destination }');
	const { conversionId, destination } = key as Record<string, unknown>;
	if (!settlement || typeof settlement !== 'object') throw new StoreInputError('settleDelivery needs a settlement such as { state: "sent" }');
	const { state, dueAt } = settlement as Partial<OutboxSettlement> & { dueAt?: unknown };
	if (!OUTBOX_STATES.includes(state as OutboxState)) {
		throw new StoreInputError(`settlement state must be one of ${OUTBOX_STATES.join(', ')}; got ${JSON.stringify(state)}`);
	}
	if (detail !== undefined && (detail === null || typeof detail !== 'object')) throw new StoreInputError('settleDelivery detail must be an object');
	const given = (detail ?? {}) as Record<string, unknown>;
	const reason = optionalText(given.reason, 'reason');
	const token = optionalText(given.token, 'token');
	if (token === '') throw new StoreInputError('token must not be empty (leave it out for an inline send)');
	return {
		conversionId: requireText(conversionId, 'conversionId'),
		destination: requireText(destination, 'destination'),
		state: state as OutboxState,
		dueAt: state === 'pending' ? isoTime(dueAt, 'dueAt') : null,
		code: optionalText(given.code, 'code'),
		reason: reason === null ? null : Array.from(reason).slice(0, OUTBOX_REASON_LENGTH).join(''),
		token,
		at: given.at === undefined || given.at === null ? null : isoTime(given.at, 'at'),
	};
}

export function unknownOutboxEntry(conversionId: string, destination: string): StoreInputError {
	return new StoreInputError(`settleDelivery: no outbox entry for conversion ${JSON.stringify(conversionId)} and destination ${JSON.stringify(destination)}`);
}

export interface OutboxListInput {
	conversionIds?: string[];
	states?: OutboxState[];
	destination?: string;
	limit: number;
}

export function outboxListInput(filter: unknown): OutboxListInput {
	if (filter === undefined) return { limit: DEFAULT_OUTBOX_LIST_LIMIT };
	if (filter === null || typeof filter !== 'object') throw new StoreInputError('the outbox filter must be an object');
	const { conversionIds, states, destination, limit = DEFAULT_OUTBOX_LIST_LIMIT } = filter as Record<string, unknown>;
	if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_OUTBOX_BATCH) {
		throw new StoreInputError(`limit must be a whole number from 1 to ${MAX_OUTBOX_BATCH}; got ${String(limit)}`);
	}
	const input: OutboxListInput = { limit };
	if (conversionIds !== undefined) {
		if (!Array.isArray(conversionIds)) throw new StoreInputError('conversionIds must be a list of conversion ids');
		input.conversionIds = [...new Set(conversionIds.map((id) => requireText(id, 'conversionIds[]')))];
	}
	if (states !== undefined) {
		if (!Array.isArray(states)) throw new StoreInputError(`states must be a list of ${OUTBOX_STATES.join(', ')}`);
		for (const state of states) {
			if (!OUTBOX_STATES.includes(state as OutboxState))
				throw new StoreInputError(`states must be among ${OUTBOX_STATES.join(', ')}; got ${JSON.stringify(state)}`);
		}
		input.states = [...new Set(states as OutboxState[])];
	}
	if (destination !== undefined) input.destination = requireText(destination, 'destination');
	return input;
}

/** An outbox row as the store returns it (both stores select times as toISOString() text and the item as JSON text). */
export function outboxFromRow(row: Record<string, unknown>): OutboxEntry {
	const text = (value: unknown) => (value === null || value === undefined ? undefined : String(value));
	const entry = compact<OutboxEntry>({
		conversionId: String(row.conversion_id),
		destination: String(row.destination),
		state: row.state as OutboxState,
		attempts: Number(row.attempts),
		dueAt: String(row.due_at),
		createdAt: String(row.created_at),
		updatedAt: String(row.updated_at),
		lastCode: text(row.last_code),
		lastReason: text(row.last_reason),
	});
	if (row.item !== null && row.item !== undefined) entry.item = JSON.parse(String(row.item)) as unknown;
	return entry;
}

export function claimedOutboxFromRow(row: Record<string, unknown>): ClaimedOutboxEntry {
	return { ...outboxFromRow(row), token: String(row.lease_token) };
}

/** Why replayDeliveries left a matched conversion as it was. */
export const REPLAY_SKIP_REASONS: Record<ReplaySkipReason, string> = {
	no_entry: 'No outbox entry for this conversion and destination (never sent there, or deleted by retention of delivery records).',
	in_flight: 'A redelivery run holds this entry right now; replay it again once that run has settled it.',
	erased: 'Its data was erased (erasePerson): it is never sent again.',
	retention: 'Its customer data was removed by retention: it is never sent again.',
	not_stored: 'Its funnel item is gone (removed when the entry settled) and the conversion is not in this tracking store to rebuild it from.',
	redacted: "The conversion's personal data was redacted (retention or erasure): its funnel item cannot be rebuilt.",
};

export interface ReplayInput {
	destination: string;
	now: string;
	/** Exactly one selection. */
	conversionIds?: string[];
	network?: string;
	recordedFrom?: string;
	recordedBefore?: string;
	limit: number;
}

export function replayInput(request: unknown): ReplayInput {
	if (!request || typeof request !== 'object')
		throw new StoreInputError('replayDeliveries needs { destination, and conversionIds, network or recordedFrom/recordedBefore }');
	const { destination, now, conversionIds, network, recordedFrom, recordedBefore, limit = MAX_OUTBOX_BATCH } = request as Record<string, unknown>;
	if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_OUTBOX_BATCH) {
		throw new StoreInputError(`limit must be a whole number from 1 to ${MAX_OUTBOX_BATCH}; got ${String(limit)}`);
	}
	const input: ReplayInput = {
		destination: requireText(destination, 'destination'),
		now: isoTime(now ?? new Date().toISOString(), 'now'),
		limit,
	};
	const range = recordedFrom !== undefined || recordedBefore !== undefined;
	const selections = [conversionIds !== undefined, network !== undefined, range].filter(Boolean).length;
	if (selections !== 1) throw new StoreInputError('replayDeliveries selects by exactly one of conversionIds, network, or recordedFrom/recordedBefore');
	if (conversionIds !== undefined) {
		if (!Array.isArray(conversionIds)) throw new StoreInputError('conversionIds must be a list of conversion ids');
		input.conversionIds = [...new Set(conversionIds.map((id) => requireText(id, 'conversionIds[]')))];
		if (input.conversionIds.length > limit) throw new StoreInputError(`replayDeliveries takes at most ${limit} conversion ids at a time`);
	}
	if (network !== undefined) input.network = requireText(network, 'network');
	if (recordedFrom !== undefined) input.recordedFrom = isoTime(recordedFrom, 'recordedFrom');
	if (recordedBefore !== undefined) input.recordedBefore = isoTime(recordedBefore, 'recordedBefore');
	if (input.recordedFrom && input.recordedBefore && Date.parse(input.recordedFrom) >= Date.parse(input.recordedBefore)) {
		throw new StoreInputError('recordedFrom must be before recordedBefore');
	}
	return input;
}

/** A matched entry as the stores read it for a replay. */
export interface ReplayCandidate {
	conversionId: string;
	state: OutboxState;
	hasItem: boolean;
	lastCode: string | null;
	/** A lease that has not run out at `now`. */
	leased: boolean;
	/** The stored conversion's payload (JSON text), when this store holds it. */
	payload: string | null;
	/** The conversion's payload lost data to retention or erasure (conversions.privacy). */
	redacted: boolean;
}

export function replayCandidateFromRow(row: Record<string, unknown>): ReplayCandidate {
	return {
		conversionId: String(row.conversion_id),
		state: row.state as OutboxState,
		hasItem: Boolean(Number(row.has_item)) || row.has_item === true,
		lastCode: row.last_code === null || row.last_code === undefined ? null : String(row.last_code),
		leased: Boolean(Number(row.leased)) || row.leased === true,
		payload: row.payload === null || row.payload === undefined ? null : typeof row.payload === 'string' ? row.payload : JSON.stringify(row.payload),
		redacted: row.privacy !== null && row.privacy !== undefined,
	};
}

/**
 * What a replay does with one entry: made due again keeping its item (`item` null), made due again with the item
 * rebuilt from the stored conversion (the funnel's item, which is what the funnel recorded as the payload), or
 * skipped. An entry given up by erasure or retention, or whose conversion was redacted, is never sent again.
 */
export function replayDecision(candidate: ReplayCandidate): { replay: true; item: string | null } | { replay: false; reason: ReplaySkipReason } {
	if (candidate.leased) return { replay: false, reason: 'in_flight' };
	if (candidate.lastCode === OUTBOX_ERASED_CODE) return { replay: false, reason: 'erased' };
	if (candidate.lastCode === OUTBOX_RETENTION_CODE) return { replay: false, reason: 'retention' };
	if (candidate.hasItem) return { replay: true, item: null };
	if (candidate.payload === null) return { replay: false, reason: 'not_stored' };
	if (candidate.redacted) return { replay: false, reason: 'redacted' };
	const payload = JSON.parse(candidate.payload) as unknown;
	if (!payload || typeof payload !== 'object' || Array.isArray(payload)) return { replay: false, reason: 'not_stored' };
	const privacy = (payload as Record<string, unknown>).privacy;
	if (privacy && typeof privacy === 'object' && (privacy as Record<string, unknown>).redacted !== undefined) return { replay: false, reason: 'redacted' };
	return { replay: true, item: candidate.payload };
}

/** Adds up a replay's outcomes in the order the entries were matched. */
export function replayReport(
	input: ReplayInput,
	outcomes: Array<{ conversionId: string; replayed: boolean; reason?: ReplaySkipReason }>,
	more: boolean,
): ReplayReport {
	const skipped = outcomes
		.filter((outcome) => !outcome.replayed)
		.map((outcome) => ({ conversionId: outcome.conversionId, reason: outcome.reason!, message: REPLAY_SKIP_REASONS[outcome.reason!] }));
	const skippedByReason: Partial<Record<ReplaySkipReason, number>> = {};
	for (const { reason } of skipped) skippedByReason[reason] = (skippedByReason[reason] ?? 0) + 1;
	return {
		destination: input.destination,
		dueAt: input.now,
		replayed: outcomes.length - skipped.length,
		replayedIds: outcomes.filter((outcome) => outcome.replayed).map((outcome) => outcome.conversionId),
		skipped,
		skippedByReason,
		more,
	};
}

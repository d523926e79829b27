/**
 * The intake journal (issue 16): a postback the Postback Trigger accepted is kept in the redelivery outbox, under
 * the destination `intake`, from before the trigger answers the network until the Conversion Funnel has decided
 * it (recorded it and queued it for the workflow's destinations, or found it a duplicate or refused it). A run
 * that dies anywhere in between (a worker killed in queue mode, a store that was down) leaves the entry pending;
 * after the grace period the Redelivery Trigger emits it again on its Postbacks output, into the Funnel, which
 * decides it as if it had just arrived (its claims keep that exactly-once).
 *
 * The entry's id is random per request: a network's retry of the same postback is an entry of its own, settled
 * by its own run, and the Funnel's dedup makes both one conversion.
 */
import { randomUUID } from 'node:crypto';
import type { OutboxSettlement, OutboxStore } from '../store/types';
import { DEFAULT_REDELIVERY_POLICY, type RedeliveryPolicy, firstDueAt, redeliveryBackoff } from './redelivery';
import { redeliveryMarkOf } from './forward/outbox';

/** The outbox destination of journaled postbacks (no platform or partner target is named so). */
export const INTAKE_DESTINATION = 'intake';

/** What the Postback Trigger adds to an accepted item it journaled: the entry to settle once the Funnel decided it. */
export interface IntakeMark {
	id: string;
}

/** A fresh journal id: `in_` and 32 hex digits. */
export function newIntakeId(): string {
	return `in_${randomUUID().replace(/-/g, '')}`;
}

/** The journal mark of an item, when it carries a well-formed one. */
export function intakeMarkOf(json: Record<string, unknown>): IntakeMark | undefined {
	const mark = json.intake as Partial<IntakeMark> | undefined;
	if (!mark || typeof mark !== 'object' || typeof mark.id !== 'string' || !/^in_[0-9a-f]{32}$/.test(mark.id)) return undefined;
	return { id: mark.id };
}

/**
 * Journals an accepted postback's item: one pending entry, due after the grace period, holding the item with its
 * mark. Returns the item as the trigger emits it (with the mark).
 */
export async function journalPostback(
	outbox: Pick<OutboxStore, 'enqueueDeliveries'>,
	item: Record<string, unknown>,
	now: Date,
	policy: RedeliveryPolicy = DEFAULT_REDELIVERY_POLICY,
	id: string = newIntakeId(),
): Promise<Record<string, unknown>> {
	const marked = { ...item, intake: { id } satisfies IntakeMark };
	await outbox.enqueueDeliveries([{ conversionId: id, destination: INTAKE_DESTINATION, item: marked, dueAt: firstDueAt(now, policy) }]);
	return marked;
}

/** What the Funnel decided for a journaled postback, as far as the journal cares. */
export interface IntakeDecision {
	/** The Funnel threw: nothing may have been recorded or queued. */
	error?: string;
	/** A duplicate of a postback another run claimed and has not finished: until when that run's claim holds it. */
	inFlightUntil?: string;
}

/**
 * How a journaled postback's entry settles once the Funnel ran it (attempt `attempt`, from 1): decided ('sent': it
 * is the destinations' outbox entries that carry it on); held by another run's unfinished claim (pending until
 * that claim can be taken over, when the Funnel takes it over if that run died); or the Funnel failed (pending
 * after the backoff, so a store that was down is tried again and a postback that always fails ends on Gave Up).
 */
export function intakeSettlement(decision: IntakeDecision, attempt: number, now: Date, policy: RedeliveryPolicy = DEFAULT_REDELIVERY_POLICY): OutboxSettlement {
	if (decision.error !== undefined) return { state: 'pending', dueAt: new Date(now.getTime() + redeliveryBackoff(attempt, policy)).toISOString() };
	if (decision.inFlightUntil !== undefined) {
		const until = Date.parse(decision.inFlightUntil);
		// A second past the claim's lease, so the retry finds it expired; never earlier than now.
		const dueAt = Number.isFinite(until) ? Math.max(until + 1000, now.getTime()) : now.getTime() + redeliveryBackoff(attempt, policy);
		return { state: 'pending', dueAt: new Date(dueAt).toISOString() };
	}
	return { state: 'sent' };
}

/** An input item's journal entry, with the Redelivery Trigger's claim when it was emitted again. */
export function journalEntryOf(json: Record<string, unknown>): { id: string; token?: string; attempt: number } | undefined {
	const mark = intakeMarkOf(json);
	if (!mark) return undefined;
	const redelivery = redeliveryMarkOf(json);
	const claimed = redelivery?.destination === INTAKE_DESTINATION ? redelivery : undefined;
	return { id: mark.id, ...(claimed ? { token: claimed.token } : {}), attempt: claimed?.attempt ?? 1 };
}

/** The item without what the journal and the Redelivery Trigger added to it: the conversion the trigger parsed. */
export function withoutJournalMarks(json: Record<string, unknown>): Record<string, unknown> {
	const conversion = { ...json };
	delete conversion.intake;
	delete conversion.redelivery;
	return conversion;
}

/** Settles a journal entry by what the Funnel decided; the error text when it could not be settled. */
export async function settleJournal(
	outbox: Pick<OutboxStore, 'settleDelivery'>,
	entry: { id: string; token?: string; attempt: number },
	decision: IntakeDecision,
	now: Date,
	policy: RedeliveryPolicy,
): Promise<string | undefined> {
	try {
		await outbox.settleDelivery({ conversionId: entry.id, destination: INTAKE_DESTINATION }, intakeSettlement(decision, entry.attempt, now, policy), {
			...(decision.error !== undefined ? { code: 'funnel_error', reason: decision.error.slice(0, 1000) } : {}),
			...(decision.inFlightUntil !== undefined ? { code: 'in_flight', reason: 'Another run holds this postback; decided again once its claim runs out.' } : {}),
			...(entry.token ? { token: entry.token } : {}),
			at: now.toISOString(),
		});
		return undefined;
	} catch (error) {
		return `Could not settle the postback's journal entry: ${(error as Error).message}`;
	}
}

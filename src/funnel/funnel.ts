/**
 * The Conversion Funnel with its store: classify, deduplicate, attribute, record the conversion and its
 * status history, write the commission ledger, and pick the output.
 *
 * Dedup and status updates. The dedup key is (network, transactionId, eventName). A network reports
 * one transaction again when its status changes (Impact PENDING → APPROVED → REVERSED, a ClickBank
 * refund of a sale, a PAP negative transaction), and that is news, not a duplicate. So every postback
 * with a transaction id makes two atomic claims, in this order:
 *
 *   1. the status claim (network, transactionId, "<event>#status:<status>"): already claimed → a
 *      duplicate (this event of this transaction was already seen in this status);
 *   2. the event claim (network, transactionId, "<event>"): first → a new conversion; already claimed
 *      → a status update of the stored conversion.
 *
 * Claiming the status first is what keeps concurrent copies of one postback exactly-once: only one of
 * them can win the status claim, and only the winner goes on to the event claim. A status update appends
 * to the conversion's history; a status never goes back to pending, and rejected and reversed are final
 * (later postbacks for them are duplicates, with the reason on the item). With the TUNE repeat sequence
 * the event depends on arrival order, so its claims use the event "#sequence" and the click's counter is
 * advanced only by the winner of the event claim: a retried postback never moves the sequence on.
 *
 * A conversion without a transaction id cannot be deduplicated: it is recorded under a random id and
 * marked `dedup.status: 'not-deduplicated'`; no key is ever built from an empty part.
 *
 * Known limit: the claims come before the conversion is saved, so a process that dies between the two
 * leaves a claim without a conversion, and the network's retry is then reported as a duplicate.
 */
import { randomBytes } from 'node:crypto';
import type { Conversion, ConversionStatus } from '../model';
import { type ConversionKey, type LedgerEntry, type StoredConversion, type TrackingStore, conversionIdFor } from '../store';
import { negativeDecimal, signOf } from './amounts';
import {
	type AttributionOptions,
	type Attribution,
	type ConversionClick,
	attributeConversion,
	conversionClick,
	customerKeyFor,
} from './attribution';
import { type Classification, type Route, type StatusPolicy, classifyConversion, eventRoute, usesRepeatSequence } from './classify';
import { type DestinationEvents, type EventMappingOverrides, destinationEventsFor } from './events';
import { ledgerLinesFor } from './ledger';

export type FunnelOutput = Route | 'duplicate' | 'unattributed';

/** The node's outputs, in order. */
export const funnelOutputs: readonly FunnelOutput[] = ['lead', 'purchase', 'other', 'reversal', 'pending', 'rejected', 'duplicate', 'unattributed'];

/** The event name the claims use while the TUNE repeat sequence decides the event. */
export const SEQUENCE_CLAIM = '#sequence';

export interface FunnelOptions extends AttributionOptions {
	statusPolicy?: StatusPolicy;
	/** Send conversions without a matching click to their event's output anyway (default: the Unattributed output). */
	forwardUnattributed?: boolean;
	/** TUNE's repeat sequence for one click id: Lead → CompleteRegistration → Purchase. */
	repeatSequence?: boolean;
	eventMapping?: EventMappingOverrides;
	now?: () => Date;
}

export interface Dedup {
	status: 'first' | 'duplicate' | 'status-update' | 'not-deduplicated';
	/** The conversion's dedup key. */
	key?: ConversionKey;
	reason?: string;
}

export interface ReversalLink {
	conversionId: string;
	eventName: string;
	/** The original's status before this postback. */
	status: ConversionStatus;
	occurredAt: string;
	amount?: string;
	commission?: string;
}

export interface LedgerLine {
	id: string;
	kind: LedgerEntry['kind'];
	amount: string;
	currency: string;
	status: ConversionStatus;
}

export interface LedgerOutcome {
	affiliateId?: string;
	/** The lines this postback adds (writing them again is a no-op: their ids are deterministic). */
	entries: LedgerLine[];
	/** Why nothing was added, when nothing was. */
	reason?: string;
}

/** The conversion as the funnel hands it on: the canonical conversion plus the funnel's decision. */
export type FunnelItem = Omit<Conversion, 'eventName'> & {
	eventName: string;
	route: FunnelOutput;
	/** The stored conversion's id (deterministic from the dedup key; random without a transaction id). */
	conversionId?: string;
	click?: ConversionClick;
	attribution?: Attribution;
	dedup: Dedup;
	destinationEvents: DestinationEvents;
	ledger: LedgerOutcome;
	statusChange?: { from: ConversionStatus; to: ConversionStatus };
	/** On reversals and rejections: the conversion taken back, or null when the store does not have it. */
	reversalOf?: ReversalLink | null;
	/** With the TUNE repeat sequence: this conversion's place in its click id's sequence. */
	sequence?: number;
};

export interface FunnelResult {
	output: FunnelOutput;
	item: FunnelItem;
}

/** What the funnel keeps in a stored conversion's payload and reads back for later postbacks. */
interface StoredPayload {
	click?: ConversionClick;
	attribution?: Attribution;
	ledger?: { entries?: unknown[] };
}

const isFinal = (status: ConversionStatus) => status === 'rejected' || status === 'reversed';
const payloadOf = (conversion: StoredConversion): StoredPayload =>
	conversion.payload !== null && typeof conversion.payload === 'object' ? (conversion.payload as StoredPayload) : {};

function randomConversionId(): string {
	return `cv_${randomBytes(16).toString('hex')}`;
}

/** The original a reversal belongs to: the latest conversion of the transaction that is not already final. */
function pickOriginal(conversions: StoredConversion[]): StoredConversion | undefined {
	const open = conversions.filter((conversion) => !isFinal(conversion.status));
	return open[open.length - 1] ?? conversions[conversions.length - 1];
}

function linkTo(original: StoredConversion): ReversalLink {
	return {
		conversionId: original.id,
		eventName: original.eventName,
		status: original.status,
		occurredAt: original.occurredAt,
		...(original.amount !== undefined ? { amount: original.amount } : {}),
		...(original.commission !== undefined ? { commission: original.commission } : {}),
	};
}

function toLines(entries: LedgerEntry[]): LedgerLine[] {
	return entries.map(({ id, kind, amount, currency, status }) => ({ id, kind, amount, currency, status }));
}

/** Runs one conversion through the funnel against the store. */
export async function runFunnel(conversion: Conversion, store: TrackingStore, options: FunnelOptions = {}): Promise<FunnelResult> {
	const now = options.now ?? (() => new Date());
	const statusPolicy = options.statusPolicy ?? 'approved';
	const { network } = conversion;
	const transactionId = conversion.transactionId?.trim() ? conversion.transactionId : undefined;
	const sequenceMode = Boolean(options.repeatSequence) && usesRepeatSequence(conversion);
	const provisional = classifyConversion(conversion, { statusPolicy });
	// A negative amount is a reversal whatever status word came with it.
	const status: ConversionStatus = provisional.reversal ? 'reversed' : conversion.status;
	let eventName = provisional.eventName;

	const context = { conversion, store, options, now, statusPolicy, status, transactionId };

	if (!transactionId) {
		const sequence = sequenceMode ? await store.nextClickSequence(conversion.clickId!) : undefined;
		const classification = classifyConversion(conversion, { statusPolicy, sequence });
		return await recordNew(context, classification, randomConversionId(), sequence, undefined, {
			status: 'not-deduplicated',
			reason: 'The postback carried no transaction id, so a repeat of it cannot be recognised: it was recorded as a new conversion.',
		});
	}

	// A reversal or rejection names the transaction; its event is the original's, even when the postback's own words suggest another.
	let originals: StoredConversion[] | undefined;
	if (!sequenceMode && isFinal(status)) {
		originals = await store.findConversionsByTransaction(network, transactionId);
		const original = originals.some((stored) => stored.eventName === eventName) ? undefined : pickOriginal(originals);
		if (original) eventName = original.eventName;
	}

	const claimName = sequenceMode ? SEQUENCE_CLAIM : eventName;
	const statusClaim = await store.claimConversion({ network, transactionId, eventName: `${claimName}#status:${status}` });
	if (statusClaim === 'duplicate') {
		const original = await findOriginal(store, network, transactionId, sequenceMode ? undefined : eventName);
		return duplicate(context, original, original?.eventName ?? eventName, `This ${status} postback for the transaction was already received.`);
	}

	const eventClaim = await store.claimConversion({ network, transactionId, eventName: claimName });
	const original = eventClaim === 'duplicate' ? await findOriginal(store, network, transactionId, sequenceMode ? undefined : eventName) : undefined;
	if (original) return await statusUpdate(context, original);

	// The first time this conversion is seen (or a concurrent first postback has claimed it and not yet saved it).
	const sequence = sequenceMode ? await store.nextClickSequence(conversion.clickId!) : undefined;
	const classification = classifyConversion(conversion, { statusPolicy, sequence });
	const finalEvent = sequenceMode ? classification.eventName : eventName;
	const key: ConversionKey = { network, transactionId, eventName: finalEvent };
	return await recordNew(context, { ...classification, eventName: finalEvent }, conversionIdFor(key), sequence, originals, { status: 'first', key });
}

interface Context {
	conversion: Conversion;
	store: TrackingStore;
	options: FunnelOptions;
	now: () => Date;
	statusPolicy: StatusPolicy;
	/** The effective status: 'reversed' for negative amounts. */
	status: ConversionStatus;
	transactionId?: string;
}

async function findOriginal(store: TrackingStore, network: string, transactionId: string, eventName: string | undefined) {
	if (eventName !== undefined) return await store.getConversion(conversionIdFor({ network, transactionId, eventName }));
	return pickOriginal(await store.findConversionsByTransaction(network, transactionId));
}

/** The conversion's own fields for the output item, with the funnel's event and (for reversals) negative money. */
function baseItem(context: Context, eventName: string, original?: StoredConversion): Omit<FunnelItem, 'route' | 'dedup' | 'ledger'> {
	const { conversion, status, options } = context;
	const reversal = status === 'reversed';
	const money = (own: string | null, stored: string | undefined): string | null => {
		const value = own ?? stored ?? null;
		return reversal && value !== null ? negativeDecimal(value) : own;
	};
	return {
		...conversion,
		eventName,
		status,
		amount: money(conversion.amount, original?.amount),
		commission: money(conversion.commission, original?.commission),
		destinationEvents: destinationEventsFor(eventName, options.eventMapping),
	};
}

function duplicate(context: Context, original: StoredConversion | undefined, eventName: string, reason: string, extra: Partial<FunnelItem> = {}): FunnelResult {
	const { conversion, transactionId } = context;
	const stored = original ? payloadOf(original) : {};
	const item: FunnelItem = {
		...baseItem(context, eventName, original),
		route: 'duplicate',
		...(original ? { conversionId: original.id } : {}),
		...(stored.click ? { click: stored.click } : {}),
		...(stored.attribution ? { attribution: stored.attribution } : {}),
		dedup: { status: 'duplicate', key: { network: conversion.network, transactionId: transactionId!, eventName }, reason },
		ledger: { entries: [], reason: 'A duplicate adds nothing to the ledger.' },
		...extra,
	};
	return { output: 'duplicate', item };
}

/** A later postback for a stored conversion, in a status not seen before for it. */
async function statusUpdate(context: Context, original: StoredConversion): Promise<FunnelResult> {
	const { conversion, store, options, now, status, statusPolicy } = context;
	const from = original.status;
	const eventName = original.eventName;
	if (from === status) return duplicate(context, original, eventName, `The conversion is already ${status}.`);
	if (isFinal(from)) return duplicate(context, original, eventName, `The conversion is already ${from}; later statuses are not applied.`);
	if (status === 'pending') return duplicate(context, original, eventName, `A late pending postback: the conversion is already ${from}.`);

	const at = now().toISOString();
	await store.appendStatus({ conversionId: original.id, status, at, detail: conversion.raw });

	const stored = payloadOf(original);
	const credited = Boolean(original.affiliateId && original.commission && (stored.ledger?.entries?.length ?? 0) > 0);
	const lines = credited
		? ledgerLinesFor({
				conversionId: original.id,
				affiliateId: original.affiliateId!,
				commission: original.commission!,
				reversalCommission: conversion.commission,
				currency: original.currency,
				network: original.network,
				transactionId: original.transactionId,
				occurredAt: conversion.occurredAt,
				recordedAt: at,
				from,
				to: status,
			})
		: [];
	for (const line of lines) await store.addLedgerEntry(line);

	const statusChange = { from, to: status };
	const dedup: Dedup = {
		status: 'status-update',
		key: { network: original.network, transactionId: original.transactionId!, eventName },
		reason: `The conversion went from ${from} to ${status}.`,
	};
	const ledger: LedgerOutcome = lines.length
		? { affiliateId: original.affiliateId, entries: toLines(lines) }
		: { entries: [], reason: 'The original conversion credited no commission to an affiliate.' };

	let output: FunnelOutput;
	if (status === 'reversed') output = 'reversal';
	else if (status === 'rejected') output = 'rejected';
	else if (statusPolicy === 'approvedAndPending') {
		// Already forwarded while pending: the approval is recorded, and there is nothing new to send.
		return duplicate(context, original, eventName, 'Approved after it was forwarded as pending: recorded, not forwarded again.', {
			dedup: { ...dedup, reason: `${dedup.reason} It was already forwarded while pending.` },
			statusChange,
			ledger,
		});
	} else {
		// Pending → approved under "approved only": this is the first time the conversion is forwarded.
		output = stored.attribution?.method === 'none' && !options.forwardUnattributed ? 'unattributed' : eventRoute(eventName);
	}
	const item: FunnelItem = {
		...baseItem(context, eventName, original),
		affiliateId: conversion.affiliateId ?? original.affiliateId ?? null,
		route: output,
		conversionId: original.id,
		...(stored.click ? { click: stored.click } : {}),
		...(stored.attribution ? { attribution: stored.attribution } : {}),
		dedup,
		ledger,
		statusChange,
		...(isFinal(status) ? { reversalOf: linkTo(original) } : {}),
	};
	return { output, item };
}

/** A conversion seen for the first time (or one that cannot be deduplicated). */
async function recordNew(
	context: Context,
	classification: Classification,
	conversionId: string,
	sequence: number | undefined,
	originals: StoredConversion[] | undefined,
	dedup: Dedup,
): Promise<FunnelResult> {
	const { conversion, store, options, now, status, transactionId } = context;
	const { eventName } = classification;
	const { attribution, click } = await attributeConversion(conversion, store, options);
	const route = classification.route;
	const forwardable = route === 'lead' || route === 'purchase' || route === 'other';
	const output: FunnelOutput = forwardable && attribution.method === 'none' && !options.forwardUnattributed ? 'unattributed' : route;
	const recordedAt = now().toISOString();
	const affiliateId = attribution.affiliateId;

	let ledgerEntries: LedgerEntry[] = [];
	let ledgerReason: string | undefined;
	if (isFinal(status)) ledgerReason = 'A reversal or rejection whose original is not in the tracking store takes nothing back.';
	else if (!affiliateId) ledgerReason = 'No affiliate to credit: the click carried none and the network does not name the partner.';
	else if (!classification.earns) ledgerReason = `A ${eventName} event earns no commission.`;
	else if (!conversion.commission || signOf(conversion.commission) === 0) ledgerReason = 'The postback carried no commission.';
	else {
		ledgerEntries = ledgerLinesFor({
			conversionId,
			affiliateId,
			commission: conversion.commission,
			currency: conversion.currency,
			network: conversion.network,
			transactionId,
			occurredAt: conversion.occurredAt,
			recordedAt,
			to: status,
		});
	}

	const reversalOf = isFinal(status) ? (originals && pickOriginal(originals) ? linkTo(pickOriginal(originals)!) : null) : undefined;
	const item: FunnelItem = {
		...baseItem(context, eventName),
		affiliateId: conversion.affiliateId ?? affiliateId ?? null,
		route: output,
		conversionId,
		...(click ? { click: conversionClick(click) } : {}),
		attribution,
		dedup,
		ledger: ledgerEntries.length ? { affiliateId, entries: toLines(ledgerEntries) } : { entries: [], reason: ledgerReason },
		...(reversalOf !== undefined ? { reversalOf } : {}),
		...(sequence !== undefined ? { sequence } : {}),
	};

	const record: StoredConversion = {
		id: conversionId,
		network: conversion.network,
		...(transactionId ? { transactionId } : {}),
		eventName,
		...(click?.clickId || conversion.clickId ? { clickId: click?.clickId ?? conversion.clickId! } : {}),
		...(affiliateId ? { affiliateId } : {}),
		status,
		...(item.amount !== null ? { amount: item.amount } : {}),
		...(item.commission !== null ? { commission: item.commission } : {}),
		currency: conversion.currency,
		occurredAt: conversion.occurredAt,
		recordedAt,
		attribution: attribution.method,
		payload: item,
	};
	if (!(await store.saveConversion(record))) {
		// Another process saved this conversion between our claims and now, in another status: ours is an update of it.
		const saved = await store.getConversion(conversionId);
		if (saved) return await statusUpdate(context, saved);
	}
	for (const entry of ledgerEntries) await store.addLedgerEntry(entry);

	// Lifetime referral: the first affiliate credited for this customer keeps them.
	const email = conversion.user.email;
	if ((options.fallbacks ?? []).includes('lifetime') && email && affiliateId && attribution.method !== 'lifetime' && !isFinal(status)) {
		const customerKey = customerKeyFor(email);
		if (customerKey) await store.linkCustomer(customerKey, affiliateId, click?.clickId);
	}
	return { output, item };
}

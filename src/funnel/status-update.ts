/**
 * A later postback for a stored conversion: its status change (with the ledger lines that move money), or the
 * finishing of an earlier execution of the same postback that stopped before completing its claims.
 */
import type { StatusChange, StoredConversion } from '../store/types';
import { eventRoute } from './classify';
import {
	type Context,
	RESUMED,
	baseItem,
	credited,
	duplicate,
	historyLines,
	isFinal,
	ledgerBase,
	linkLifetime,
	linkTo,
	payloadOf,
	toLines,
	unpayableLine,
	unpayableReason,
} from './context';
import { type Dedup, type FunnelItem, type FunnelOutput, type FunnelResult, type LedgerOutcome, funnelOutputs } from './item';
import { ledgerLinesFor } from './ledger';

/** How often a status update decides again when other executions keep changing the status under it. */
const STATUS_ATTEMPTS = 5;

/** A later postback for a stored conversion, in a status not seen before for it. */
export async function statusUpdate(context: Context, original: StoredConversion, attempt = 1): Promise<FunnelResult> {
	const { conversion, store, now, status } = context;
	const from = original.status;
	const eventName = original.eventName;
	// This execution holds the claim for this status, so whoever wrote it held that claim before and stopped before completing it.
	if (from === status) return await resume(context, original);
	if (isFinal(from)) return duplicate(context, original, eventName, `The conversion is already ${from}; later statuses are not applied.`);
	if (status === 'pending') return duplicate(context, original, eventName, `A late pending postback: the conversion is already ${from}.`);

	const earlier = credited(original) ? await store.statusHistory(original.id) : [];
	const at = now().toISOString();
	if (!(await store.appendStatus({ conversionId: original.id, status, at, detail: conversion.raw }, { from }))) {
		// Another execution changed the status since it was read: decide again against the status it wrote.
		const current = await store.getConversion(original.id);
		if (!current || attempt >= STATUS_ATTEMPTS) {
			throw new Error(`Conversion Funnel: the status of conversion ${original.id} kept changing while this ${status} postback was applied; run it again.`);
		}
		return await statusUpdate(context, current, attempt + 1);
	}
	return await statusChanged(context, original, earlier, at, false);
}

/**
 * The postback's status is already the conversion's, and this execution holds that status's claim: an
 * earlier execution of this postback wrote it and stopped before completing its claims. Finishes its work.
 */
async function resume(context: Context, original: StoredConversion): Promise<FunnelResult> {
	const { store, status } = context;
	const history = await store.statusHistory(original.id);
	const index = history.findLastIndex((change) => change.status === status);
	if (index < 0) return duplicate(context, original, original.eventName, `The conversion is already ${status}.`);
	if (index === 0) return await resumeNew(context, original, history[0]);
	const from = history[index - 1].status;
	return await statusChanged(context, { ...original, status: from }, history.slice(0, index), history[index].at, true);
}

/**
 * A status change recorded for a stored conversion (`original` in the status before it; `earlier` its
 * history before it): its ledger lines, after any of the earlier ones that are missing, and the output.
 */
async function statusChanged(context: Context, original: StoredConversion, earlier: StatusChange[], at: string, resumed: boolean): Promise<FunnelResult> {
	const { conversion, store, options, status, statusPolicy } = context;
	const from = original.status;
	const eventName = original.eventName;
	const stored = payloadOf(original);
	let lines = credited(original)
		? ledgerLinesFor({
				...ledgerBase(original),
				reversalCommission: conversion.commission,
				occurredAt: conversion.occurredAt,
				recordedAt: at,
				from,
				to: status,
			})
		: [];
	const unpayable = lines.length ? unpayableLine([...historyLines(original, earlier), ...lines]) : undefined;
	if (unpayable) lines = [];
	if (lines.length) {
		for (const line of historyLines(original, earlier)) await store.addLedgerEntry(line);
		for (const line of lines) await store.addLedgerEntry(line);
	}

	const statusChange = { from, to: status };
	const dedup: Dedup = {
		status: 'status-update',
		key: { network: original.network, transactionId: context.transactionId, eventName },
		reason: `The conversion went from ${from} to ${status}.${resumed ? ` ${RESUMED}` : ''}`,
	};
	const ledger: LedgerOutcome = lines.length
		? { affiliateId: original.affiliateId, entries: toLines(lines) }
		: unpayable
			? { entries: [], reason: unpayableReason(unpayable), code: 'amount_precision' }
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
	return { output, item, ...(resumed ? { resumed } : {}) };
}

/**
 * The conversion was recorded by an earlier execution of this postback that stopped before completing its
 * claims: writes the ledger lines and the lifetime link it may not have, and hands on the item it decided.
 */
async function resumeNew(context: Context, original: StoredConversion, recorded: StatusChange): Promise<FunnelResult> {
	const { store, status } = context;
	const decided = original.payload as Partial<FunnelItem> | null;
	if (!decided || typeof decided !== 'object' || !funnelOutputs.includes(decided.route as FunnelOutput) || !decided.dedup) {
		// Not recorded by the funnel: nothing to finish.
		return duplicate(context, original, original.eventName, `The conversion is already ${status}.`);
	}
	if (credited(original)) {
		const lines = historyLines(original, [recorded]);
		if (!unpayableLine(lines)) for (const line of lines) await store.addLedgerEntry(line);
	}
	await linkLifetime(context, original.affiliateId, decided.attribution?.method, decided.click?.clickId);
	const item = { ...decided, dedup: { ...decided.dedup, reason: decided.dedup.reason ? `${decided.dedup.reason} ${RESUMED}` : RESUMED } } as FunnelItem;
	return { output: item.route, item, resumed: true };
}

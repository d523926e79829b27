/**
 * What the funnel's steps share: one postback's context, and the helpers that read stored conversions and
 * build the output item (funnel.ts decides, record.ts records a new conversion, status-update.ts a change).
 */
import { type Consent, type Conversion, type ConversionStatus, mergeConsent, toMinorUnits } from '../model';
import { conversionIdFor } from '../model/ids';
import type { ConversionStore, LedgerEntry, StatusChange, StoredConversion } from '../store/types';
import { negativeDecimal } from './amounts';
import { type Attribution, type ConversionClick, customerKeyFor } from './attribution';
import type { StatusPolicy } from './classify';
import { type DedupBasis, isDerivedKey } from './dedup-key';
import { destinationEventsFor } from './events';
import type { FunnelItem, FunnelOptions, FunnelResult, FunnelStore, LedgerLine, ReversalLink } from './item';
import { type LedgerChange, ledgerLinesFor } from './ledger';

/** What the funnel keeps in a stored conversion's payload and reads back for later postbacks. */
export interface StoredPayload {
	click?: ConversionClick;
	attribution?: Attribution;
	ledger?: { entries?: unknown[] };
	consent?: Consent;
}

export const isFinal = (status: ConversionStatus) => status === 'rejected' || status === 'reversed';
export const payloadOf = (conversion: StoredConversion): StoredPayload =>
	conversion.payload !== null && typeof conversion.payload === 'object' ? (conversion.payload as StoredPayload) : {};

/**
 * The first of `lines` whose amount is finer than its currency's minor unit, with the reason: such a line is
 * never written (a conversion stored by an older version may still carry such a commission).
 */
export function unpayableLine(lines: LedgerEntry[]): { line: LedgerEntry; reason: string } | undefined {
	for (const line of lines) {
		try {
			toMinorUnits(line.amount, line.currency);
		} catch (error) {
			return { line, reason: (error as Error).message };
		}
	}
	return undefined;
}

export const unpayableReason = (found: { line: LedgerEntry; reason: string }) =>
	`No ledger line was written: ${found.reason}, and a line that cannot be paid exactly would block the payout of the affiliate's balance.`;

/** The original a reversal belongs to: the latest conversion of the transaction that is not already final. */
export function pickOriginal(conversions: StoredConversion[]): StoredConversion | undefined {
	const open = conversions.filter((conversion) => !isFinal(conversion.status));
	return open[open.length - 1] ?? conversions[conversions.length - 1];
}

export function linkTo(original: StoredConversion): ReversalLink {
	return {
		conversionId: original.id,
		eventName: original.eventName,
		status: original.status,
		occurredAt: original.occurredAt,
		...(original.amount !== undefined ? { amount: original.amount } : {}),
		...(original.commission !== undefined ? { commission: original.commission } : {}),
	};
}

export function toLines(entries: LedgerEntry[]): LedgerLine[] {
	return entries.map(({ id, kind, amount, currency, status }) => ({ id, kind, amount, currency, status }));
}

export interface Context {
	conversion: Conversion;
	store: FunnelStore;
	options: FunnelOptions;
	now: () => Date;
	statusPolicy: StatusPolicy;
	/** The effective status: 'reversed' for negative amounts. */
	status: ConversionStatus;
	/** The dedup key's transaction id: the network's, or a derived key (`basis`). */
	transactionId: string;
	basis: DedupBasis;
}

/** The transaction id a ledger line names: the network's own, never a derived dedup key. */
export function ledgerTransactionId(transactionId: string | undefined): string | undefined {
	return transactionId && !isDerivedKey(transactionId) ? transactionId : undefined;
}

export async function findOriginal(store: ConversionStore, network: string, transactionId: string, eventName: string | undefined) {
	if (eventName !== undefined) return await store.getConversion(conversionIdFor({ network, transactionId, eventName }));
	return pickOriginal(await store.findConversionsByTransaction(network, transactionId));
}

/**
 * The consent an item carries: what was captured earlier (the matched click's, or the recorded conversion's item)
 * merged with what this postback says, a denial winning either way (a postback never loosens the click's denial).
 */
export function itemConsent(conversion: Conversion, earlier: Consent | undefined): { consent?: Consent } {
	const consent = mergeConsent(earlier, conversion.consent);
	return consent ? { consent } : {};
}

/**
 * The conversion's own fields for the output item, with the funnel's event, (for reversals) negative money, and
 * the consent merged with the recorded conversion's.
 */
export function baseItem(context: Context, eventName: string, original?: StoredConversion): Omit<FunnelItem, 'route' | 'dedup' | 'ledger'> {
	const { conversion, status, options } = context;
	const reversal = status === 'reversed';
	const money = (own: string | null, stored: string | undefined): string | null => {
		const value = own ?? stored ?? null;
		return reversal && value !== null ? negativeDecimal(value) : own;
	};
	const item: Omit<FunnelItem, 'route' | 'dedup' | 'ledger'> = {
		...conversion,
		eventName,
		status,
		amount: money(conversion.amount, original?.amount),
		commission: money(conversion.commission, original?.commission),
		destinationEvents: destinationEventsFor(eventName, options.eventMapping),
	};
	// The consent is the merged one, never only what this postback said.
	delete item.consent;
	return { ...item, ...itemConsent(conversion, original ? payloadOf(original).consent : undefined) };
}

export function duplicate(
	context: Context,
	original: StoredConversion | undefined,
	eventName: string,
	reason: string,
	extra: Partial<FunnelItem> = {},
): FunnelResult {
	const { conversion, transactionId } = context;
	const stored = original ? payloadOf(original) : {};
	const item: FunnelItem = {
		...baseItem(context, eventName, original),
		route: 'duplicate',
		...(original ? { conversionId: original.id } : {}),
		...(stored.click ? { click: stored.click } : {}),
		...(stored.attribution ? { attribution: stored.attribution } : {}),
		dedup: { status: 'duplicate', key: { network: conversion.network, transactionId, eventName }, reason },
		ledger: { entries: [], reason: 'A duplicate adds nothing to the ledger.' },
		...extra,
	};
	return { output: 'duplicate', item };
}

/** True when the conversion credited a commission when it was recorded (so its changes move money in the ledger). */
export function credited(original: StoredConversion): boolean {
	return Boolean(original.affiliateId && original.commission && (payloadOf(original).ledger?.entries?.length ?? 0) > 0);
}

/** The ledger change of a credited conversion, without the change itself. */
export function ledgerBase(
	original: StoredConversion,
): Pick<LedgerChange, 'conversionId' | 'affiliateId' | 'commission' | 'currency' | 'network' | 'transactionId'> {
	return {
		conversionId: original.id,
		affiliateId: original.affiliateId!,
		commission: original.commission!,
		currency: original.currency,
		network: original.network,
		transactionId: ledgerTransactionId(original.transactionId),
	};
}

/**
 * The ledger lines of a credited conversion's history (its recording, then each change), as the executions
 * that made them wrote them: same ids, so writing them again adds only the ones that are missing. An
 * earlier change's own occurrence time is not kept; the time it was recorded stands in for it.
 */
export function historyLines(original: StoredConversion, history: StatusChange[]): LedgerEntry[] {
	const base = ledgerBase(original);
	return history.flatMap((change, index) =>
		ledgerLinesFor({
			...base,
			occurredAt: index === 0 ? original.occurredAt : change.at,
			recordedAt: change.at,
			...(index > 0 ? { from: history[index - 1].status } : {}),
			to: change.status,
		}),
	);
}

/** Said on the items of an execution that finished what an earlier one of the same postback left unfinished. */
export const RESUMED = 'An earlier execution of this postback recorded it and stopped before finishing; this one finished it.';

/** Lifetime referral: the first affiliate credited for this customer keeps them. */
export async function linkLifetime(
	context: Context,
	affiliateId: string | undefined,
	method: Attribution['method'] | undefined,
	clickId: string | undefined,
): Promise<void> {
	const { conversion, options, store, status } = context;
	const email = conversion.user.email;
	if ((options.fallbacks ?? []).includes('lifetime') && email && affiliateId && method !== 'lifetime' && !isFinal(status)) {
		const customerKey = customerKeyFor(email);
		if (customerKey) await store.linkCustomer(customerKey, affiliateId, clickId);
	}
}

/** A conversion seen for the first time: attribution, commission, ledger lines, and the stored record. */
import { type Conversion, isAuthenticated } from '../model';
import { commissionFor } from '../model/commission';
import type { LedgerEntry, StoredConversion } from '../store/types';
import { signOf } from './amounts';
import { attributeConversion, conversionClick } from './attribution';
import type { Classification } from './classify';
import {
	type Context,
	baseItem,
	itemConsent,
	isFinal,
	ledgerTransactionId,
	linkLifetime,
	linkTo,
	pickOriginal,
	toLines,
	unpayableLine,
	unpayableReason,
} from './context';
import type { Dedup, FunnelItem, FunnelOptions, FunnelOutput, FunnelResult, LedgerOutcome } from './item';
import { ledgerLinesFor } from './ledger';
import { statusUpdate } from './status-update';

/**
 * Whether an affiliate named only by the postback may be credited: the trigger authenticated the postback AND
 * the operator trusts that network's affiliate ids. An unauthenticated request is a form anyone can post, and
 * an opt-in per network is the operator saying the network vouches for its partners; one without the other is
 * not enough, since an opted-in network's URL leaks as easily as any other.
 */
function postbackAffiliateTrusted(conversion: Conversion, options: FunnelOptions): boolean {
	return isAuthenticated(conversion) && (options.trustPostbackAffiliate ?? []).includes(conversion.network);
}

function untrustedAffiliateReason(conversion: Conversion, affiliateId: string, options: FunnelOptions): string {
	const why = !isAuthenticated(conversion)
		? `the postback was not authenticated (${conversion.authentication === 'none' ? 'the trigger accepts it without a secret' : 'it did not come through an authenticating Postback Trigger'})`
		: `the operator does not trust affiliate ids from ${conversion.network} postbacks`;
	const fix = (options.trustPostbackAffiliate ?? []).includes(conversion.network)
		? 'Authenticate the trigger (a secret token, Basic, HMAC or an IP allowlist)'
		: `Turn on "Trust Affiliate ID From Postbacks" for ${conversion.network} and authenticate the trigger`;
	return `No commission was written: the affiliate "${affiliateId}" is named only by the postback (no stored click, coupon or customer names one), and ${why}. ${fix} to credit such affiliates.`;
}

/** A conversion seen for the first time (or one that cannot be deduplicated). */
export async function recordNew(
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
	// An affiliate only the postback names is credited only when trusted; the claim stays visible on the item.
	const untrusted = attribution.affiliateSource === 'network' && attribution.affiliateId !== undefined && !postbackAffiliateTrusted(conversion, options);
	const affiliateId = untrusted ? undefined : attribution.affiliateId;
	const held = context.basis === 'derived' && options.withoutTransactionId === 'hold';

	// No commission in the postback: the operator's rules may compute one from the sale (known only now that
	// the affiliate is attributed, since rules can be per affiliate).
	const ruled =
		conversion.commission === null && conversion.amount !== null && affiliateId && options.commissionRules?.length && !isFinal(status)
			? commissionFor(
					{
						saleAmount: conversion.amount,
						currency: conversion.currency,
						affiliateId,
						...(conversion.offerId ? { offerId: conversion.offerId } : {}),
						actionCode: conversion.networkEventType ?? eventName,
					},
					options.commissionRules,
				)
			: undefined;
	const commission = ruled?.commission ?? conversion.commission;

	let ledgerEntries: LedgerEntry[] = [];
	let ledgerReason: string | undefined;
	let ledgerCode: LedgerOutcome['code'];
	if (isFinal(status)) ledgerReason = 'A reversal or rejection whose original is not in the tracking store takes nothing back.';
	else if (untrusted) {
		ledgerReason = untrustedAffiliateReason(conversion, attribution.affiliateId!, options);
		ledgerCode = 'untrusted_affiliate';
	} else if (!affiliateId) ledgerReason = 'No affiliate to credit: the click carried none and the network does not name the partner.';
	else if (!classification.earns) ledgerReason = `A ${eventName} event earns no commission.`;
	else if (!commission || signOf(commission) === 0) {
		ledgerReason = options.commissionRules?.length
			? 'The postback carried no commission and no commission rule matched it.'
			: 'The postback carried no commission.';
	} else {
		ledgerEntries = ledgerLinesFor({
			conversionId,
			affiliateId,
			commission,
			currency: conversion.currency,
			network: conversion.network,
			transactionId: ledgerTransactionId(transactionId),
			occurredAt: conversion.occurredAt,
			recordedAt,
			to: status,
		});
		const unpayable = unpayableLine(ledgerEntries);
		if (unpayable) {
			// A commission rule's result is rounded to the currency, and the postback's amounts were fitted above:
			// this only guards the ledger against anything that slipped through.
			ledgerEntries = [];
			ledgerReason = unpayableReason(unpayable);
			ledgerCode = 'amount_precision';
		} else if (held) {
			ledgerEntries = [];
			ledgerReason =
				'Held for review: the postback carried no transaction id, and this funnel writes no commission for such conversions ("Without Transaction ID": hold). It is recorded and deduplicated; send it again with a transaction id to credit it.';
			ledgerCode = 'held_for_review';
		}
	}

	const reversalOf = isFinal(status) ? (originals && pickOriginal(originals) ? linkTo(pickOriginal(originals)!) : null) : undefined;
	const item: FunnelItem = {
		...baseItem(context, eventName),
		affiliateId: conversion.affiliateId ?? affiliateId ?? null,
		route: output,
		conversionId,
		...(click ? { click: conversionClick(click) } : {}),
		// The visitor's consent as the Click Tracker captured it, with the postback's own (a denial wins).
		...itemConsent(conversion, click?.consent),
		attribution,
		dedup,
		...(ruled ? { commission: ruled.commission } : {}),
		ledger: ledgerEntries.length
			? { affiliateId, entries: toLines(ledgerEntries), ...(ruled ? { ruleIndex: ruled.ruleIndex } : {}) }
			: { entries: [], reason: ledgerReason, ...(ledgerCode ? { code: ledgerCode } : {}) },
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
		// Another execution saved this conversion since our claims: ours is an update of it (or, in the same
		// status, the same postback, whose execution stopped before completing: statusUpdate finishes it).
		const saved = await store.getConversion(conversionId);
		if (saved) return await statusUpdate(context, saved);
	}
	for (const entry of ledgerEntries) await store.addLedgerEntry(entry);
	await linkLifetime(context, affiliateId, attribution.method, click?.clickId);
	return { output, item };
}

/**
 * The pure part of the funnel: which event a conversion is and which output it belongs on.
 *
 * Event, in order (AnyTrack's documented funnel logic, seeds 000 and 002):
 *   1. `event_name` from the postback wins ("purchase" and "PURCHASE" are our Purchase; other names are kept as sent);
 *   2. the network's own type field (ShareASale transtype, Impact action tracker, Keitaro status word,
 *      PAP action code, ClickBank transactionType, Voluum conversion type);
 *   3. the TUNE repeat sequence, when enabled, for a click id's repeat conversions;
 *   4. the commission: 0 → Lead, anything else → Purchase. Without a commission the sale amount decides
 *      the same way, and a postback with neither is a Lead (nothing was paid).
 *
 * Route, in order: a reversal (status reversed, or a negative amount or commission) → 'reversal';
 * status rejected → 'rejected'; status pending under the "approved only" policy → 'pending';
 * otherwise the event: Lead → 'lead', Purchase → 'purchase', any other event → 'other'.
 */
import type { Conversion } from '../model';
import { signOf } from './amounts';
import { COMPLETE_REGISTRATION, LEAD, PURCHASE, canonicalEventName } from '../model/events';
import { funnelRulesFor } from './network-rules';

export type Route = 'lead' | 'purchase' | 'other' | 'reversal' | 'rejected' | 'pending';
export const routes: readonly Route[] = ['lead', 'purchase', 'other', 'reversal', 'rejected', 'pending'];

/** 'approved': forward approved conversions only (pending ones wait on their own route); 'approvedAndPending': forward both. */
export type StatusPolicy = 'approved' | 'approvedAndPending';

/** Where the event name came from. */
export type EventSource = 'event_name' | 'network' | 'sequence' | 'commission' | 'amount' | 'default';

export interface ClassifyOptions {
	statusPolicy?: StatusPolicy;
	/**
	 * The conversion's place in its click id's repeat sequence (1, 2, 3, …, from the store's per-click
	 * counter). Given only when the TUNE repeat sequence is on; used when neither `event_name` nor the
	 * network's type decided the event.
	 */
	sequence?: number;
}

export interface Classification {
	eventName: string;
	route: Route;
	source: EventSource;
	/** False for events that carry amounts but earn no commission (ClickBank cancellations and tests). */
	earns: boolean;
	/** A reversal: status reversed, or a negative amount or commission. */
	reversal: boolean;
}

/** Whether the conversion was paid for: the commission, or the sale amount when there is no commission. */
export function isPaid(conversion: Pick<Conversion, 'commission' | 'amount'>): boolean {
	const sign = signOf(conversion.commission) ?? signOf(conversion.amount) ?? 0;
	return sign !== 0;
}

/** A refund or chargeback: reversed status, or money going back (a negative amount or commission). */
export function isReversal(conversion: Pick<Conversion, 'status' | 'commission' | 'amount'>): boolean {
	return conversion.status === 'reversed' || signOf(conversion.commission) === -1 || signOf(conversion.amount) === -1;
}

/**
 * TUNE's sequence for repeat conversions on one click id (reference/networks.md: "0 → Lead, then
 * > 0 → CompleteRegistration, then > 0 → Purchase"): the first conversion is the Lead; a paid second
 * one is CompleteRegistration; a paid third or later one is Purchase. An unpaid conversion later in
 * the sequence is still a Lead (the "0 → Lead" rule).
 */
export function sequenceEvent(position: number, paid: boolean): string {
	if (position <= 1 || !paid) return LEAD;
	return position === 2 ? COMPLETE_REGISTRATION : PURCHASE;
}

interface EventDecision {
	eventName: string;
	source: EventSource;
	earns: boolean;
}

/** The event from `event_name` or the network's type field, if either names one. */
export function explicitEvent(conversion: Conversion): EventDecision | undefined {
	if (conversion.eventName && conversion.eventName.trim()) {
		return { eventName: canonicalEventName(conversion.eventName), source: 'event_name', earns: true };
	}
	const fromNetwork = funnelRulesFor(conversion.network).eventFor(conversion);
	if (fromNetwork) return { eventName: fromNetwork.eventName, source: 'network', earns: fromNetwork.earns ?? true };
	return undefined;
}

/** Whether the TUNE repeat sequence decides this conversion's event (it needs a click id and no explicit event). */
export function usesRepeatSequence(conversion: Conversion): boolean {
	return Boolean(conversion.clickId) && explicitEvent(conversion) === undefined;
}

function decideEvent(conversion: Conversion, sequence: number | undefined): EventDecision {
	const explicit = explicitEvent(conversion);
	if (explicit) return explicit;
	if (sequence !== undefined && conversion.clickId) {
		return { eventName: sequenceEvent(sequence, isPaid(conversion)), source: 'sequence', earns: true };
	}
	const commission = signOf(conversion.commission);
	if (commission !== undefined) return { eventName: commission === 0 ? LEAD : PURCHASE, source: 'commission', earns: true };
	const amount = signOf(conversion.amount);
	if (amount !== undefined) return { eventName: amount === 0 ? LEAD : PURCHASE, source: 'amount', earns: true };
	return { eventName: LEAD, source: 'default', earns: true };
}

/** The route of an event name with no status concern: Lead, Purchase or any other event. */
export function eventRoute(eventName: string): 'lead' | 'purchase' | 'other' {
	if (eventName === LEAD) return 'lead';
	if (eventName === PURCHASE) return 'purchase';
	return 'other';
}

/** The route for a conversion of `eventName` in `status`. */
export function routeFor(eventName: string, status: Conversion['status'], reversal: boolean, statusPolicy: StatusPolicy = 'approved'): Route {
	if (reversal) return 'reversal';
	if (status === 'rejected') return 'rejected';
	if (status === 'pending' && statusPolicy === 'approved') return 'pending';
	return eventRoute(eventName);
}

/** Library entry: the event name and the route of one canonical conversion. Pure: no store, no clock. */
export function classifyConversion(conversion: Conversion, options: ClassifyOptions = {}): Classification {
	const event = decideEvent(conversion, options.sequence);
	const reversal = isReversal(conversion);
	return {
		...event,
		reversal,
		route: routeFor(event.eventName, conversion.status, reversal, options.statusPolicy),
	};
}

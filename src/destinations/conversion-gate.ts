/**
 * The checks every platform makes before building an event, in one place so each platform's builder starts
 * from an event that can be sent, and every platform skips the same event with the same code:
 * - `not_a_conversion`: a Click Tracker click (on a platform that takes conversions only), a rejected or
 *   reversed conversion, or a negative value (a reversal or refund): no upload can retract an event;
 * - `invalid_value`: the chosen money field is not a decimal;
 * - `invalid_time`: the event time is missing or not a date;
 * - `event_too_old` / `event_in_future`: outside the platform's window (or, for GA4, dropped unseen).
 * Meta and TikTok also take clicks (gateEvent): a click passes with the time checks only. What a platform
 * checks beyond these (Meta's website fields, Google's click id and 6-hour rule…) is its own step after the
 * gate. Each skip has a code the Failed output and the conversion log carry, and a reason the operator can act on.
 */
import { isNegativeDecimal, normalizeDecimal } from '../model';
import { standardEventName } from './event-names';
import type { ForwardableClick, ForwardableConversion, ForwardableEvent, Platform } from './types';

export interface ConversionGateRules {
	/** The platform as the operator knows it, for reasons ('Snapchat'). */
	platformName: string;
	/** The oldest event the platform takes, in ms (Infinity: no limit), and the same in words ('37 days'). */
	maxAgeMs: number;
	maxAgeText: string;
	/** How far ahead of our clock an event time may be before it is refused, in ms (Infinity: no limit). */
	maxFutureMs: number;
	/** How the platform takes a conversion back, when it can at all (Google Ads: 'retracts conversions only through adjustments'). */
	retraction?: string;
	/** A sentence added to an `event_too_old` or `event_in_future` reason (Meta: one such event fails the whole batch). */
	windowNote?: string;
}

/** Which money field is the event's value; 'none' (Google Ads) sends no value and checks none. */
export type GateValueFrom = 'commission' | 'amount' | 'none';

export interface GatedConversion {
	conversion: ForwardableConversion;
	/** The chosen money field as a normalized, non-negative decimal string; undefined when the conversion has none. */
	value?: string;
	/** The conversion time, in ms since the epoch. */
	occurredAtMs: number;
}

/** A Click Tracker click that passed the gate of a platform that takes clicks (Meta, TikTok). */
export interface GatedClick {
	click: ForwardableClick;
	/** The click time, in ms since the epoch. */
	occurredAtMs: number;
}

export interface GateSkip {
	skip: { code: string; reason: string };
}

/** A well-formed conversion: it carries its transaction and time (anything else that is not a click is refused by the gate for what it lacks). */
export function isForwardableConversion(event: ForwardableEvent): event is ForwardableConversion {
	return 'transactionId' in event && typeof (event as ForwardableConversion).occurredAt === 'string';
}

/** A Click Tracker item: marked as a click, or a click id and time with none of a conversion's fields. */
export function isClickEvent(event: ForwardableEvent): event is ForwardableClick {
	if ((event as ForwardableClick).kind === 'click') return true;
	return !('transactionId' in event) && !('occurredAt' in event) && typeof (event as ForwardableClick).clickedAt === 'string';
}

const skip = (code: string, reason: string): GateSkip => ({ skip: { code, reason } });

/** The event time against the platform's window, for a conversion or a click. */
function gateTime(at: unknown, what: 'conversion' | 'click', rules: ConversionGateRules, now: Date): number | GateSkip {
	const name = rules.platformName;
	const occurredAtMs = typeof at === 'string' ? Date.parse(at) : Number.NaN;
	if (Number.isNaN(occurredAtMs)) return skip('invalid_time', `The ${what} time is missing or not a date, so ${name} cannot be given the event's time`);
	const iso = new Date(occurredAtMs).toISOString();
	const note = rules.windowNote ? ` ${rules.windowNote}` : '';
	if (now.getTime() - occurredAtMs > rules.maxAgeMs) {
		return skip('event_too_old', `${name} takes events at most ${rules.maxAgeText} old; this one happened at ${iso}.${note}`);
	}
	if (occurredAtMs - now.getTime() > rules.maxFutureMs) {
		return skip('event_in_future', `The ${what} time ${iso} is in the future, which ${name} refuses. Check the network's time zone setting.${note}`);
	}
	return occurredAtMs;
}

/** Status, value and time of something handled as a conversion (the caller has ruled out clicks). */
function gateAsConversion(input: ForwardableConversion, valueFrom: GateValueFrom, rules: ConversionGateRules, now: Date): GatedConversion | GateSkip {
	const name = rules.platformName;
	const retraction = rules.retraction ?? 'has no way to retract an event';
	if (input.status === 'rejected' || input.status === 'reversed') {
		return skip('not_a_conversion', `A ${input.status} conversion is not sent to ${name}, which ${retraction}`);
	}

	let value: string | undefined;
	if (valueFrom !== 'none') {
		const raw = valueFrom === 'amount' ? input.amount : input.commission;
		const given = raw === null || raw === undefined || String(raw).trim() === '' ? undefined : String(raw);
		value = given === undefined ? undefined : normalizeDecimal(given);
		if (given !== undefined && value === undefined) return skip('invalid_value', `The ${valueFrom} "${given}" is not a decimal number`);
		if (value !== undefined && isNegativeDecimal(value)) {
			return skip('not_a_conversion', `A negative value is a reversal or refund: ${name} ${retraction}. Route reversals elsewhere.`);
		}
	}

	const occurredAtMs = gateTime(input.occurredAt, 'conversion', rules, now);
	if (typeof occurredAtMs !== 'number') return occurredAtMs;
	return { conversion: input, value, occurredAtMs };
}

/** The gate of a platform that takes conversions only: a Click Tracker click is refused as `not_a_conversion`. */
export function gateConversion(input: ForwardableEvent, valueFrom: GateValueFrom, rules: ConversionGateRules, now: Date): GatedConversion | GateSkip {
	if (isClickEvent(input)) return skip('not_a_conversion', `${rules.platformName} takes conversions only: Click Tracker clicks are not sent to it`);
	return gateAsConversion(input as ForwardableConversion, valueFrom, rules, now);
}

/**
 * The gate of a platform that also takes Click Tracker clicks (Meta, TikTok): a click passes with the time
 * checks only (its time is `clickedAt`); everything else is gated as a conversion, exactly as gateConversion
 * does, so a conversion is skipped with the same code on every platform.
 */
export function gateEvent(input: ForwardableEvent, valueFrom: GateValueFrom, rules: ConversionGateRules, now: Date): GatedConversion | GatedClick | GateSkip {
	if (!isClickEvent(input)) return gateAsConversion(input as ForwardableConversion, valueFrom, rules, now);
	const occurredAtMs = gateTime(input.clickedAt, 'click', rules, now);
	if (typeof occurredAtMs !== 'number') return occurredAtMs;
	return { click: input, occurredAtMs };
}

export interface PlatformEventRules {
	/** The platform id: its key in the funnel's mapping and its definition's event row. */
	platform: Platform;
	platformName: string;
	/** Whether the platform takes event names of its own (Reddit as CUSTOM, Microsoft goals): then an event outside the table keeps its name. */
	takesCustomNames: boolean;
	/**
	 * Whether an event outside the table keeps its own name even when it came through the funnel, whose mapping
	 * names only Meta for such events (TikTok: any event name is a custom event there). Without it, the funnel
	 * not naming the platform means the event was left out of it.
	 */
	customNamesFromFunnel?: boolean;
	/** A few of the platform's names, for the reason ('checkout, lead, signup'). */
	examples: string;
}

/**
 * The platform's event name for a conversion, one rule for every platform:
 * - the funnel's per-platform name (`destinationEvents`, with the operator's overrides applied) when it gave one;
 * - a funnel item whose mapping has no name for this platform was left out on purpose: not sent (except an
 *   event outside the table on a platform with `customNamesFromFunnel`, which keeps its name);
 * - an item that did not come through the funnel: our event's standard name from the mapping table, else, where
 *   the platform takes names of its own, the event name itself.
 */
export function platformEventName(conversion: ForwardableConversion, rules: PlatformEventRules): { name: string } | GateSkip {
	const mapped = conversion.destinationEvents;
	const explicit = mapped?.[rules.platform]?.trim();
	if (explicit) return { name: explicit };
	const code = `no_${rules.platform}_event`;
	const fix = `Set Override Fields → Event Name in this node (${rules.examples}), or map the event to ${rules.platformName} in the Conversion Funnel.`;
	const standard = standardEventName(rules.platform, conversion.eventName);
	// An empty mapping came through the funnel too: every platform was removed from it.
	if (mapped && typeof mapped === 'object' && (standard || !rules.customNamesFromFunnel)) {
		return skip(code, `The Conversion Funnel's event mapping sends "${conversion.eventName}" to no ${rules.platformName} event. ${fix}`);
	}
	if (standard) return { name: standard };
	const own = typeof conversion.eventName === 'string' ? conversion.eventName.trim() : '';
	if (rules.takesCustomNames && own) return { name: own };
	return skip(code, `"${conversion.eventName}" has no ${rules.platformName} event name. ${fix}`);
}

/**
 * The checks every conversions-only platform makes before building an event, in one place so each platform's
 * builder starts from a conversion that can be sent: a Click Tracker click, a rejected or reversed conversion
 * and a negative value are not conversions a platform can take (none of them can retract an event); a value
 * that is not a decimal, a time that is not a date, or a time outside the platform's window would be refused
 * (or, for GA4, dropped unseen). Each skip has a code the Failed output and the conversion log carry, and a
 * reason the operator can act on.
 */
import { DESTINATION_EVENTS, type Destination } from '../funnel/events';
import { isNegativeDecimal, normalizeDecimal } from '../model';
import type { ForwardableConversion, ForwardableEvent } from './types';

export interface ConversionGateRules {
	/** The platform as the operator knows it, for reasons ('Snapchat'). */
	platformName: string;
	/** The oldest event the platform takes, in ms, and the same in words ('37 days'). */
	maxAgeMs: number;
	maxAgeText: string;
	/** How far ahead of our clock an event time may be before it is refused, in ms. */
	maxFutureMs: number;
}

export interface GatedConversion {
	conversion: ForwardableConversion;
	/** The chosen money field as a normalized, non-negative decimal string; undefined when the conversion has none. */
	value?: string;
	/** The conversion time, in ms since the epoch. */
	occurredAtMs: number;
}

export interface GateSkip {
	skip: { code: string; reason: string };
}

/** A conversion (not a Click Tracker click): conversions always carry their transaction and time. */
export function isForwardableConversion(event: ForwardableEvent): event is ForwardableConversion {
	return 'transactionId' in event && typeof (event as ForwardableConversion).occurredAt === 'string';
}

const skip = (code: string, reason: string): GateSkip => ({ skip: { code, reason } });

export function gateConversion(input: ForwardableEvent, valueFrom: 'commission' | 'amount', rules: ConversionGateRules, now: Date): GatedConversion | GateSkip {
	const name = rules.platformName;
	if (!isForwardableConversion(input)) return skip('not_a_conversion', `${name} takes conversions only: Click Tracker clicks are not sent to it`);
	if (input.status === 'rejected' || input.status === 'reversed') {
		return skip('not_a_conversion', `A ${input.status} conversion is not sent to ${name}, which has no way to retract an event`);
	}

	const raw = valueFrom === 'amount' ? input.amount : input.commission;
	const given = raw === null || raw === undefined || String(raw).trim() === '' ? undefined : String(raw);
	const value = given === undefined ? undefined : normalizeDecimal(given);
	if (given !== undefined && value === undefined) return skip('invalid_value', `The ${valueFrom} "${given}" is not a decimal number`);
	if (value !== undefined && isNegativeDecimal(value)) {
		return skip('not_a_conversion', `A negative value is a reversal or refund: ${name} has no way to retract an event. Route reversals elsewhere.`);
	}

	const occurredAtMs = Date.parse(input.occurredAt);
	if (Number.isNaN(occurredAtMs)) return skip('invalid_time', `The conversion time is missing or not a date, so ${name} cannot be given the event's time`);
	const at = new Date(occurredAtMs).toISOString();
	if (now.getTime() - occurredAtMs > rules.maxAgeMs)
		return skip('event_too_old', `${name} takes events at most ${rules.maxAgeText} old; this one happened at ${at}`);
	if (occurredAtMs - now.getTime() > rules.maxFutureMs) {
		return skip('event_in_future', `The conversion time ${at} is in the future, which ${name} refuses. Check the network's time zone setting.`);
	}
	return { conversion: input, value, occurredAtMs };
}

export interface PlatformEventRules {
	/** The key in the funnel's mapping table (src/funnel/events.ts). */
	platform: Destination;
	platformName: string;
	/** Whether the platform takes event names of its own (Reddit as CUSTOM, Microsoft goals): then an event outside the table keeps its name. */
	takesCustomNames: boolean;
	/** A few of the platform's names, for the reason ('checkout, lead, signup'). */
	examples: string;
}

/**
 * The platform's event name for a conversion, one rule for every platform:
 * - the funnel's per-platform name (`destinationEvents`, with the operator's overrides applied) when it gave one;
 * - a funnel item whose mapping has no name for this platform was left out on purpose: not sent;
 * - an item that did not come through the funnel: our event's standard name from the mapping table, else, where
 *   the platform takes names of its own, the event name itself.
 */
export function platformEventName(conversion: ForwardableConversion, rules: PlatformEventRules): { name: string } | GateSkip {
	const mapped = conversion.destinationEvents;
	const explicit = mapped?.[rules.platform]?.trim();
	if (explicit) return { name: explicit };
	const code = `no_${rules.platform}_event`;
	const fix = `Set Override Fields → Event Name in this node (${rules.examples}), or map the event to ${rules.platformName} in the Conversion Funnel.`;
	if (mapped && Object.keys(mapped).length > 0) {
		return skip(code, `The Conversion Funnel's event mapping sends "${conversion.eventName}" to no ${rules.platformName} event. ${fix}`);
	}
	const standard = DESTINATION_EVENTS[conversion.eventName]?.[rules.platform];
	if (standard) return { name: standard };
	const own = conversion.eventName?.trim();
	if (rules.takesCustomNames && own) return { name: own };
	return skip(code, `"${conversion.eventName}" has no ${rules.platformName} event name. ${fix}`);
}

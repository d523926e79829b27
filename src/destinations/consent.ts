/**
 * Consent in the shared planning frame (issue 17), so each platform only declares its field:
 * - the effective consent of an event: the item's own (`consent`, from the Click Tracker, the postback or the
 *   funnel) value by value, the node's Consent Default where the item says nothing;
 * - when ad user data is denied, the person's identifiers are left out before any platform builds its body:
 *   the user data (email, phone, names, address, external id), the IP address and the browser ids the platform
 *   declares (its first-party cookies such as _fbp). The ad click id stays (it is the platform's own id for its ad
 *   click, what consent-mode platforms still take), and so does the user agent (a device description, which
 *   Meta's website events require);
 * - restrictedProcessing: when the platform's "limited data use" mode is asked for (Meta's LDU, TikTok's
 *   limited_data_use, Pinterest's LDP, Reddit's and Snapchat's LDU): a Global Privacy Control signal or any denial.
 * Unknown stays unknown: with no consent and no default nothing changes, as before.
 */
import { type Consent, type ConsentValue, consentValues, hasConsent } from '../model/consent';
import { isClickEvent } from './conversion-gate';
import type { ForwardableConversion, ForwardableEvent } from './types';

/** What a platform definition declares about consent. */
export interface ConsentMapping {
	/** The platform's own field(s), as the editor's description names them ('data_processing_options'). */
	field: string;
	/** Where the platform documents it. */
	docs: string;
	/** Click fields that identify the browser (first-party cookies), left out with the user data on a denial. */
	browserIds: string[];
	/** Further places on the event holding the person's identifiers, by object and keys (Meta's `metaFields`). */
	eventFields?: Record<string, string[]>;
}

/** The node's Consent Default, carried in every platform's configuration. */
export interface ConsentConfig {
	consentDefault?: Consent;
}

/** The event's consent: the item's values, the node's default for each value the item leaves unknown. */
export function effectiveConsent(own: Consent | undefined, fallback: Consent | undefined): Consent | undefined {
	if (!hasConsent(own) && !hasConsent(fallback)) return undefined;
	const adUserData = own?.adUserData ?? fallback?.adUserData;
	const adPersonalization = own?.adPersonalization ?? fallback?.adPersonalization;
	const gpc = own?.gpc === true || fallback?.gpc === true;
	const source = hasConsent(own) ? own.source : 'node';
	return {
		...(adUserData ? { adUserData } : {}),
		...(adPersonalization ? { adPersonalization } : {}),
		...(gpc ? { gpc } : {}),
		...(source ? { source } : {}),
	};
}

/** Whether the platform's restricted ("limited data use") processing applies: GPC, or any denial. */
export function restrictedProcessing(consent: Consent | undefined): boolean {
	return consent?.gpc === true || consent?.adUserData === 'denied' || consent?.adPersonalization === 'denied';
}

/** Whether anything about consent is known for the event (a platform then says so explicitly). */
export function consentKnown(consent: Consent | undefined): boolean {
	return hasConsent(consent);
}

/** The event without the person's identifiers (see the module comment): a copy, the input is left as it was. */
export function withoutUserData(input: ForwardableEvent, browserIds: readonly string[], eventFields: Record<string, string[]> = {}): ForwardableEvent {
	const event = { ...input } as Record<string, unknown>;
	for (const [name, keys] of Object.entries(eventFields)) {
		const fields = event[name];
		if (fields && typeof fields === 'object') event[name] = Object.fromEntries(Object.entries(fields).filter(([key]) => !keys.includes(key)));
	}
	return withoutIdentifiers(event as unknown as ForwardableEvent, browserIds);
}

function withoutIdentifiers(event: ForwardableEvent, browserIds: readonly string[]): ForwardableEvent {
	const dropped = new Set(['ip', ...browserIds]);
	const keep = (record: object, also: string[] = []) => Object.fromEntries(Object.entries(record).filter(([key]) => !dropped.has(key) && !also.includes(key)));
	// A Click Tracker item also carries our first-party visitor id.
	if (isClickEvent(event)) return keep(event, ['visitorId']) as unknown as ForwardableEvent;
	const conversion = event as ForwardableConversion;
	return {
		...conversion,
		user: {},
		ip: null,
		...(conversion.click ? { click: keep(conversion.click) as unknown as ForwardableConversion['click'] } : {}),
	};
}

/** Every event with its effective consent set, and its identifiers left out where ad user data is denied. */
export function applyConsent(events: ForwardableEvent[], config: ConsentConfig, mapping: ConsentMapping): ForwardableEvent[] {
	return events.map((event) => {
		const consent = effectiveConsent((event as { consent?: Consent }).consent, config.consentDefault);
		const withConsent = { ...event, ...(consent ? { consent } : {}) } as ForwardableEvent;
		if (!consent) delete (withConsent as { consent?: Consent }).consent;
		return consent?.adUserData === 'denied' ? withoutUserData(withConsent, mapping.browserIds, mapping.eventFields) : withConsent;
	});
}

/** The node's Consent Default as read from its settings (each value granted, denied or left empty). */
export function consentDefaultFrom(adUserData: unknown, adPersonalization: unknown): Consent | undefined {
	const value = (raw: unknown, label: string): ConsentValue | undefined => {
		if (raw === undefined || raw === null || raw === '') return undefined;
		if (typeof raw !== 'string' || !(consentValues as readonly string[]).includes(raw)) throw new Error(`${label} "${String(raw)}" is not granted or denied`);
		return raw as ConsentValue;
	};
	const userData = value(adUserData, 'Consent Default → Ad User Data');
	const personalization = value(adPersonalization, 'Consent Default → Ad Personalization');
	if (!userData && !personalization) return undefined;
	return { ...(userData ? { adUserData: userData } : {}), ...(personalization ? { adPersonalization: personalization } : {}), source: 'node' };
}

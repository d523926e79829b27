import { getPartnerPreset } from './presets';
import { type ParsedTemplate, type TemplatePart, fillEncoded, fillRaw, macrosOf, parseTemplate } from './macros';
import { isSecretName, redactBody, redactUrl } from './redact';
import {
	type BuildPartnerOptions,
	type BuiltPartnerPostback,
	type PartnerPreset,
	type PartnerPresetId,
	type PostbackItem,
	PartnerPostbackError,
} from './types';
import { STANDARD_MACROS, macroText, standardValues } from './values';

/** The preset for an id, or the preset itself. */
export function resolvePartnerPreset(preset: PartnerPreset | PartnerPresetId | string): PartnerPreset {
	if (typeof preset !== 'string') return preset;
	const found = getPartnerPreset(preset);
	if (!found) throw new PartnerPostbackError('unknown_preset', `Unknown partner preset "${preset}"`);
	return found;
}

/** Looks macros up: the operator's values first, then the standard and preset macros, then the preset's aliases. */
class MacroValues {
	private readonly standard: Record<string, string | undefined>;
	private readonly extra: Map<string, string | undefined>;

	constructor(
		private readonly preset: PartnerPreset,
		item: PostbackItem,
		values: Record<string, unknown> = {},
	) {
		this.standard = standardValues(item, preset);
		this.extra = new Map(Object.entries(values).map(([name, value]) => [name.trim(), macroText(value)]));
	}

	/** The macro's own name among ours, or undefined when it is unknown. */
	private canonical(name: string): string | undefined {
		if (name in STANDARD_MACROS || (this.preset.macros && name in this.preset.macros)) return name;
		return this.preset.aliases?.[name];
	}

	isKnown(name: string): boolean {
		return this.extra.has(name) || this.canonical(name) !== undefined;
	}

	/** The value, or undefined when it is empty. */
	get(name: string): string | undefined {
		if (this.extra.has(name)) return this.extra.get(name);
		const canonical = this.canonical(name);
		if (canonical === undefined) return undefined;
		if (this.extra.has(canonical)) return this.extra.get(canonical);
		return this.standard[canonical];
	}

	/** The names every lookup accepts (for the unknown-macro message). */
	known(): string[] {
		return [...new Set([...Object.keys(STANDARD_MACROS), ...Object.keys(this.preset.macros ?? {}), ...this.extra.keys()])];
	}

	/** Values that must not be shown: those of secret-looking macros (by their own or their canonical name). */
	secretValues(used: string[]): string[] {
		const names = new Set([...used, ...this.extra.keys()]);
		const secrets: string[] = [];
		for (const name of names) {
			if (!isSecretName(name) && !isSecretName(this.canonical(name) ?? '')) continue;
			const value = this.get(name);
			if (value !== undefined) secrets.push(value);
		}
		return secrets;
	}
}

const isOnlyMacros = (parts: TemplatePart[]) => parts.length > 0 && parts.every((part) => 'macro' in part);

function checkRequired(preset: PartnerPreset, values: MacroValues): void {
	const missing = preset.required.filter((alternatives) => alternatives.every((name) => values.get(name) === undefined));
	if (missing.length === 0) return;
	const described = missing.map((alternatives) => alternatives.map((name) => `{${name}}`).join(' or ')).join(', ');
	throw new PartnerPostbackError(
		'missing_required',
		`The ${preset.name} postback needs ${described}, and the item has no value for it. Map one under Values (e.g. from an expression).`,
		missing.flat(),
	);
}

function checkUnknown(preset: PartnerPreset, parsed: ParsedTemplate, values: MacroValues): string[] {
	const used = macrosOf(parsed);
	const unknown = used.filter((name) => !values.isKnown(name));
	if (unknown.length > 0) {
		throw new PartnerPostbackError(
			'unknown_macro',
			`The URL template uses unknown macro${unknown.length > 1 ? 's' : ''} ${unknown.map((name) => `{${name}}`).join(', ')}. ` +
				`Known: ${values
					.known()
					.map((name) => `{${name}}`)
					.join(', ')}; map any other name under Values.`,
			unknown,
		);
	}
	return used;
}

/**
 * Builds the partner postback for one item: fills the template's macros (URL-encoded, one value at a time), checks
 * the preset's required values and the result's URL, and shapes a GET, a POST form or a POST JSON request. Pure:
 * throws a PartnerPostbackError for a template or item it cannot build from (its message names macros, never values).
 */
export function buildPartnerPostback(
	presetOrId: PartnerPreset | PartnerPresetId | string,
	item: PostbackItem,
	options: BuildPartnerOptions = {},
): BuiltPartnerPostback {
	const preset = resolvePartnerPreset(presetOrId);
	const template = (options.template ?? preset.template).trim();
	if (template === '') throw new PartnerPostbackError('invalid_url', 'The URL template is empty');
	const notConfigured = (preset.setupPlaceholders ?? []).filter((placeholder) => template.includes(placeholder));
	if (notConfigured.length > 0) {
		throw new PartnerPostbackError(
			'template_not_configured',
			`Replace ${notConfigured.join(' and ')} in the URL template with your ${preset.name} address (the preset's example is not a real endpoint)`,
		);
	}

	const parsed = parseTemplate(template, preset.placeholders);
	const values = new MacroValues(preset, item, options.values);
	const used = checkUnknown(preset, parsed, values);
	checkRequired(preset, values);

	const emptyMacros = used.filter((name) => values.get(name) === undefined);
	const valueOf = (name: string) => values.get(name) ?? '';
	const emptyParameters = options.emptyParameters ?? preset.emptyParameters;
	const omittedParameters: string[] = [];
	const pairs = parsed.query.filter((pair) => {
		const omit =
			emptyParameters === 'omit' &&
			pair.value !== undefined &&
			isOnlyMacros(pair.value) &&
			pair.value.every((part) => 'macro' in part && values.get(part.macro) === undefined);
		if (omit) omittedParameters.push(fillRaw(pair.name, valueOf));
		return !omit;
	});

	const baseUrl = fillEncoded(parsed.base, valueOf);
	const encodedQuery = pairs
		.map((pair) => (pair.value === undefined ? fillEncoded(pair.name, valueOf) : `${fillEncoded(pair.name, valueOf)}=${fillEncoded(pair.value, valueOf)}`))
		.join('&');
	const getUrl = `${baseUrl}${parsed.hasQuery && encodedQuery !== '' ? `?${encodedQuery}` : ''}${fillEncoded([{ text: parsed.fragment }], valueOf)}`;
	const method = options.method ?? preset.method;
	const url = method === 'GET' ? getUrl : baseUrl;

	if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
		throw new PartnerPostbackError(
			'invalid_url',
			`The URL template does not make an absolute http(s) URL once its macros are filled in (template: ${redactUrl(template)})`,
		);
	}

	const bodyFields = pairs.map((pair) => [fillRaw(pair.name, valueOf), pair.value === undefined ? '' : fillRaw(pair.value, valueOf)] as const);
	const secretParameterValues = bodyFields.filter(([name, value]) => isSecretName(name) && value !== '').map(([, value]) => value);
	const secrets = [...new Set([...values.secretValues(used), ...secretParameterValues])];
	const common = { preset: preset.id, partnerMethod: method, emptyMacros, omittedParameters, secrets };

	if (method === 'GET') {
		return { ...common, method: 'GET', url, headers: {}, redactedUrl: redactUrl(url, secrets) };
	}
	if (method === 'POST_FORM') {
		const body = new URLSearchParams(bodyFields.map(([name, value]): [string, string] => [name, value])).toString();
		return {
			...common,
			method: 'POST',
			url,
			headers: { 'content-type': 'application/x-www-form-urlencoded' },
			body,
			redactedUrl: redactUrl(url, secrets),
			redactedBody: redactBody(body, 'form', secrets),
		};
	}
	// JSON: the same values as strings, exactly as the query would carry them; a repeated name becomes a list.
	const json = Object.create(null) as Record<string, string | string[]>;
	for (const [name, value] of bodyFields) {
		const existing = json[name];
		json[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
	}
	const body = JSON.stringify(json);
	return {
		...common,
		method: 'POST',
		url,
		headers: { 'content-type': 'application/json' },
		body,
		redactedUrl: redactUrl(url, secrets),
		redactedBody: redactBody(body, 'json', secrets),
	};
}

import { createHash } from 'node:crypto';
import { decimalFromNumber } from '../model/money';
import type { PostbackRequest } from './types';

/** A value read from the postback, with the parameter it came from (for error messages). */
export interface FieldValue {
	value: string;
	field: string;
}

export type Fields = Record<string, unknown>;

/**
 * Values that mean "the network had nothing here": an unreplaced macro in any network's syntax
 * (`{device_id}`, `!!afftrack!!`, `!!!clickRef!!!`, `#sub1#`, `%payout%`, `[[x]]`, `${x}`, `--CLICK-ID--`)
 * or a null spelled out. Such a value must never become data: `{device_id}` is not a device.
 */
const UNREPLACED_MACRO = [
	/^\{+[^{}]*\}+$/,
	/^!{2,3}[A-Za-z0-9_.-]+!{2,3}$/,
	/^#[A-Za-z0-9_.-]+#$/,
	/^%[A-Za-z0-9_.-]+%$/,
	/^\[{1,2}[A-Za-z0-9_.-]+\]{1,2}$/,
	/^\$\{[^}]*\}$/,
	/^--[A-Z0-9_-]+--$/,
];
const NULL_WORDS = new Set(['null', 'undefined', '(null)', 'none', 'nil']);

export function isMissingValue(value: string, extraPlaceholders: readonly string[] = []): boolean {
	const trimmed = value.trim();
	if (trimmed === '') return true;
	if (NULL_WORDS.has(trimmed.toLowerCase())) return true;
	if (extraPlaceholders.includes(trimmed)) return true;
	return UNREPLACED_MACRO.some((pattern) => pattern.test(trimmed));
}

/** A parameter's value as trimmed text, or undefined when missing. Arrays (repeated parameters) take the first value. */
export function textOf(raw: unknown, extraPlaceholders: readonly string[] = []): string | undefined {
	let value = raw;
	if (Array.isArray(value)) value = value.find((entry) => entry !== undefined && entry !== null);
	if (typeof value === 'number') {
		if (!Number.isFinite(value)) return undefined;
		// String(1e-7) is "1e-7", which no decimal check accepts: expand exponents exactly.
		value = decimalFromNumber(value);
	} else if (typeof value === 'boolean') {
		value = String(value);
	}
	if (typeof value !== 'string') return undefined;
	return isMissingValue(value, extraPlaceholders) ? undefined : value.trim();
}

/** Reads a (possibly dotted) path from a field bag: `customer.email` reaches into parsed JSON. */
export function valueAtPath(fields: Fields, path: string): unknown {
	if (Object.prototype.hasOwnProperty.call(fields, path)) return fields[path];
	let current: unknown = fields;
	for (const part of path.split('.')) {
		if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
		if (!Object.prototype.hasOwnProperty.call(current, part)) return undefined;
		current = (current as Record<string, unknown>)[part];
	}
	return current;
}

/** The first of `names` that holds a real value. */
export function pick(fields: Fields, names: readonly string[], extraPlaceholders: readonly string[] = []): FieldValue | undefined {
	for (const name of names) {
		const value = textOf(valueAtPath(fields, name), extraPlaceholders);
		if (value !== undefined) return { value, field: name };
	}
	return undefined;
}

/**
 * Presets read a dozen fields from one bag: its lower-cased key index is built on the first read, not on
 * every one. Bags are built whole before they are read (queryFields, parseBody), never added to afterwards.
 */
const lowerCaseIndexes = new WeakMap<Fields, Map<string, string>>();

function lowerCaseKeys(fields: Fields): Map<string, string> {
	let index = lowerCaseIndexes.get(fields);
	if (index === undefined) {
		index = new Map<string, string>();
		for (const key of Object.keys(fields)) {
			const lower = key.toLowerCase();
			if (!index.has(lower)) index.set(lower, key);
		}
		lowerCaseIndexes.set(fields, index);
	}
	return index;
}

/** Like `pick` but matching names without regard to case (networks are inconsistent: merchantID, merchantId). */
export function pickIgnoringCase(fields: Fields, names: readonly string[], extraPlaceholders: readonly string[] = []): FieldValue | undefined {
	const byLowerName = lowerCaseKeys(fields);
	for (const name of names) {
		const key = byLowerName.get(name.toLowerCase());
		if (key === undefined) continue;
		const value = textOf(fields[key], extraPlaceholders);
		if (value !== undefined) return { value, field: key };
	}
	return undefined;
}

export type ParsedBody = { ok: true; kind: 'none' | 'json' | 'form' | 'text'; fields: Fields; asReceived: unknown } | { ok: false; message: string };

function headerValue(headers: PostbackRequest['headers'], name: string): string | undefined {
	if (!headers) return undefined;
	for (const [key, value] of Object.entries(headers)) {
		if (key.toLowerCase() === name) return Array.isArray(value) ? value[0] : value;
	}
	return undefined;
}

export function contentTypeOf(request: PostbackRequest): string {
	return (headerValue(request.headers, 'content-type') ?? '').split(';')[0].trim().toLowerCase();
}

function formFields(text: string): Fields {
	const fields: Fields = {};
	for (const [key, value] of new URLSearchParams(text)) {
		if (!(key in fields)) fields[key] = value;
	}
	return fields;
}

/**
 * Reads the body in whatever shape the network sent: a parsed object, JSON text, or form text.
 * The content type decides first; without one, the text's own shape does.
 */
export function parseBody(request: PostbackRequest): ParsedBody {
	let body = request.body;
	if (body === undefined || body === null || body === '') return { ok: true, kind: 'none', fields: {}, asReceived: undefined };
	if (Buffer.isBuffer(body) || body instanceof Uint8Array) body = Buffer.from(body).toString('utf8');
	if (typeof body === 'object') {
		if (Array.isArray(body)) return { ok: false, message: 'the body is a JSON array; send one conversion as a JSON object' };
		return { ok: true, kind: 'json', fields: body as Fields, asReceived: body };
	}
	if (typeof body !== 'string') return { ok: false, message: 'the body is neither text nor an object' };
	const text = body;
	if (text.trim() === '') return { ok: true, kind: 'none', fields: {}, asReceived: text };
	const contentType = contentTypeOf(request);
	const looksLikeJson = /^\s*[{[]/.test(text);
	if (contentType.includes('json') || (contentType === '' && looksLikeJson)) {
		let parsed: unknown;
		try {
			parsed = JSON.parse(text);
		} catch {
			return { ok: false, message: 'the body is not valid JSON' };
		}
		if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
			return { ok: false, message: 'the JSON body must be an object with one conversion' };
		}
		return { ok: true, kind: 'json', fields: parsed as Fields, asReceived: parsed };
	}
	if (contentType === 'application/x-www-form-urlencoded' || contentType === '' || contentType.startsWith('text/')) {
		return {
			ok: true,
			kind: contentType.startsWith('text/') && !text.includes('=') ? 'text' : 'form',
			fields: text.includes('=') ? formFields(text) : {},
			asReceived: text,
		};
	}
	return { ok: true, kind: 'text', fields: {}, asReceived: text };
}

/** Query parameters, first value of repeated ones kept as the array for `raw`. */
export function queryFields(request: PostbackRequest): Fields {
	const fields: Fields = {};
	for (const [key, value] of Object.entries(request.query ?? {})) {
		if (value !== undefined) fields[key] = value;
	}
	return fields;
}

/** Headers that carry credentials never travel with the conversion. */
const SECRET_HEADERS = /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|x-postback-signature|x-hub-signature.*|x-signature.*)$/i;

export function safeHeaders(headers: PostbackRequest['headers']): Record<string, string> | undefined {
	if (!headers) return undefined;
	const kept: Record<string, string> = {};
	for (const [key, value] of Object.entries(headers)) {
		if (value === undefined || SECRET_HEADERS.test(key)) continue;
		kept[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
	}
	return kept;
}

/** Appends query parameters whose values are macros: names are encoded, macros stay literal for the network to replace. */
export function withQuery(baseUrl: string, pairs: ReadonlyArray<readonly [string, string]>): string {
	const query = pairs.map(([name, macro]) => `${encodeURIComponent(name)}=${macro}`).join('&');
	if (!query) return baseUrl;
	const separator = baseUrl.includes('?') ? (/[?&]$/.test(baseUrl) ? '' : '&') : '?';
	return baseUrl + separator + query;
}

/** A short, stable digest for ids that must not echo a secret. */
export function sha256Hex(text: string): string {
	return createHash('sha256').update(text).digest('hex');
}

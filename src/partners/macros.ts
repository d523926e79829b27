/**
 * URL templates: `{name}` macros anywhere in the URL, plus a preset's bare placeholder words as whole query values.
 * Values are URL-encoded one by one (encodeURIComponent); the template's own text is never re-encoded.
 */
import type { NativePlaceholder } from './types';

/** `{click_id}`, `{ aff_id }`, `{data.1}`: a name of letters, digits, `_`, `-`, `.` (braces around anything else stay text). */
const MACRO = /\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}/g;

export type TemplatePart = { text: string } | { macro: string };

/** One `name=value` pair of the query, each side as text and macro parts. */
export interface QueryPair {
	name: TemplatePart[];
	/** Undefined for a bare `name` without `=`. */
	value?: TemplatePart[];
}

export interface ParsedTemplate {
	/** Scheme, host and path. */
	base: TemplatePart[];
	query: QueryPair[];
	/** Whether the template had a `?` (kept for GET even when every pair is left out). */
	hasQuery: boolean;
	/** The fragment with its `#`, as text (never sent by HTTP clients; kept for fidelity). */
	fragment: string;
}

/** Splits text into literal and `{macro}` parts. */
export function splitMacros(text: string): TemplatePart[] {
	const parts: TemplatePart[] = [];
	let last = 0;
	for (const match of text.matchAll(MACRO)) {
		if (match.index > last) parts.push({ text: text.slice(last, match.index) });
		parts.push({ macro: match[1] });
		last = match.index + match[0].length;
	}
	if (last < text.length) parts.push({ text: text.slice(last) });
	return parts;
}

/** Decodes a literal query part as a form decoder would (`+` is a space); text that is not valid percent-encoding stays as it is. */
export function decodeLiteral(text: string): string {
	try {
		return decodeURIComponent(text.replace(/\+/g, ' '));
	} catch {
		return text;
	}
}

function placeholderFor(name: string, value: string, placeholders: readonly NativePlaceholder[]): string | undefined {
	const decodedName = decodeLiteral(name);
	const decodedValue = decodeLiteral(value).trim();
	return placeholders.find((entry) => entry.placeholder === decodedValue && (entry.parameter === undefined || entry.parameter === decodedName))?.macro;
}

/** Parses a template; a query value that is exactly one of the preset's placeholder words becomes that macro. */
export function parseTemplate(template: string, placeholders: readonly NativePlaceholder[] = []): ParsedTemplate {
	const hashAt = template.indexOf('#');
	const withoutFragment = hashAt >= 0 ? template.slice(0, hashAt) : template;
	const fragment = hashAt >= 0 ? template.slice(hashAt) : '';
	const queryAt = withoutFragment.indexOf('?');
	const base = queryAt >= 0 ? withoutFragment.slice(0, queryAt) : withoutFragment;
	const queryText = queryAt >= 0 ? withoutFragment.slice(queryAt + 1) : '';
	const query: QueryPair[] = queryText
		.split('&')
		.filter((pair) => pair !== '')
		.map((pair) => {
			const equals = pair.indexOf('=');
			if (equals < 0) return { name: splitMacros(pair) };
			const name = pair.slice(0, equals);
			const value = pair.slice(equals + 1);
			const native = placeholderFor(name, value, placeholders);
			return { name: splitMacros(name), value: native ? [{ macro: native }] : splitMacros(value) };
		});
	return { base: splitMacros(base), query, hasQuery: queryAt >= 0, fragment };
}

/** Every macro a parsed template uses, in order of first appearance. */
export function macrosOf(parsed: ParsedTemplate): string[] {
	const seen = new Set<string>();
	const visit = (parts: TemplatePart[] | undefined) => {
		for (const part of parts ?? []) if ('macro' in part) seen.add(part.macro);
	};
	visit(parsed.base);
	for (const pair of parsed.query) {
		visit(pair.name);
		visit(pair.value);
	}
	visit(splitMacros(parsed.fragment));
	return [...seen];
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** encodeURIComponent that never throws: a broken UTF-16 half becomes U+FFFD instead of failing the postback. */
export function encodeValue(value: string): string {
	return encodeURIComponent(value.replace(LONE_SURROGATE, '\uFFFD'));
}

/** Fills parts for a URL: text as written, macro values URL-encoded. */
export function fillEncoded(parts: TemplatePart[], valueOf: (macro: string) => string): string {
	return parts.map((part) => ('macro' in part ? encodeValue(valueOf(part.macro)) : part.text)).join('');
}

/** Fills parts for a body: text decoded, macro values raw (the body encoder encodes once). */
export function fillRaw(parts: TemplatePart[], valueOf: (macro: string) => string): string {
	return parts.map((part) => ('macro' in part ? valueOf(part.macro).replace(LONE_SURROGATE, '\uFFFD') : decodeLiteral(part.text))).join('');
}

/**
 * A macro name without the braces around it ('{ payout }' → 'payout'): what `replace(/^\{\s*|\s*\}$/g, '')` did, by
 * index, since that pattern's unanchored `\s*\}$` retried at every space of a long run (quadratic).
 */
export function withoutBraces(text: string): string {
	const isSpace = (char: string) => /\s/.test(char);
	let start = 0;
	if (text.startsWith('{')) {
		start = 1;
		while (start < text.length && isSpace(text[start])) start++;
	}
	let end = text.length;
	if (end > start && text[end - 1] === '}') {
		end--;
		while (end > start && isSpace(text[end - 1])) end--;
	}
	return text.slice(start, end);
}

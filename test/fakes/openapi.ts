/**
 * A small validator for the JSON-schema subset our fakes describe the vendors' APIs in (e.g.
 * test/fakes/paypal-schema.ts): local $ref, type, required, properties, additionalProperties,
 * minLength / maxLength, pattern, enum, items, minItems / maxItems, minimum / maximum and the easy formats
 * (date-time, uri, email). Unknown formats are ignored, as JSON schema says.
 *
 * Each problem is reported with a JSON pointer and an issue code in PayPal's style (MISSING_REQUIRED_PARAMETER,
 * INVALID_STRING_MAX_LENGTH, …; https://developer.paypal.com/api/rest/responses/), which is what the PayPal fake
 * puts in `details`.
 */

export interface JsonSchema {
	$ref?: string;
	type?: string;
	required?: string[];
	properties?: Record<string, JsonSchema>;
	additionalProperties?: boolean | JsonSchema;
	minLength?: number;
	maxLength?: number;
	pattern?: string;
	enum?: unknown[];
	items?: JsonSchema;
	minItems?: number;
	maxItems?: number;
	minimum?: number;
	maximum?: number;
	format?: string;
	[other: string]: unknown;
}

/** The object "$ref"s point into: a JSON pointer such as "#/schemas/money" resolves against it. */
export type SchemaDocument = object;

/** A request parameter and the schema its (string) value must meet once coerced. */
export interface QueryParameter {
	name: string;
	in: 'query' | 'path' | 'header' | 'cookie';
	required?: boolean;
	schema: JsonSchema;
}

export interface SchemaIssue {
	/** JSON pointer to the offending value, e.g. "/items/0/amount/value" ("" for the root). */
	field: string;
	/** PayPal-style issue code. */
	issue: string;
	/** A human sentence for the operator reading the error. */
	description: string;
	/** The offending value, when it is a short scalar. */
	value?: string;
}

/** Follows a local "#/a/b" reference inside the document. */
export function resolveRef<T = JsonSchema>(document: SchemaDocument, ref: string): T {
	if (!ref.startsWith('#/')) throw new Error(`only local $ref is supported, got ${ref}`);
	let node: unknown = document;
	for (const part of ref.slice(2).split('/')) {
		const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
		if (!node || typeof node !== 'object' || !(key in node)) throw new Error(`unresolvable $ref ${ref}`);
		node = (node as Record<string, unknown>)[key];
	}
	return node as T;
}

const pointerPart = (key: string | number) => `/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;

const shortValue = (value: unknown): string | undefined => {
	if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) {
		const text = String(value);
		return text.length > 100 ? `${text.slice(0, 100)}…` : text;
	}
	return undefined;
};

function typeMatches(type: string, value: unknown): boolean {
	switch (type) {
		case 'object':
			return value !== null && typeof value === 'object' && !Array.isArray(value);
		case 'array':
			return Array.isArray(value);
		case 'string':
			return typeof value === 'string';
		case 'integer':
			return typeof value === 'number' && Number.isInteger(value);
		case 'number':
			return typeof value === 'number' && Number.isFinite(value);
		case 'boolean':
			return typeof value === 'boolean';
		case 'null':
			return value === null;
		default:
			return true;
	}
}

function formatMatches(format: string, value: string): boolean {
	switch (format) {
		case 'date-time':
			return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(value) && !Number.isNaN(Date.parse(value));
		case 'uri':
			return URL.canParse(value);
		case 'email':
			return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value);
		default:
			// formats we do not know are annotations only
			return true;
	}
}

const patternCache = new Map<string, RegExp>();
function compiled(pattern: string): RegExp {
	let regex = patternCache.get(pattern);
	if (!regex) {
		regex = new RegExp(pattern, 'u');
		patternCache.set(pattern, regex);
	}
	return regex;
}

/**
 * Validates `value` against `schema` and returns every problem found (at most `limit`, so a request with
 * 15,000 bad items does not produce a 15,000-entry answer).
 */
export function validateSchema(document: SchemaDocument, schema: JsonSchema, value: unknown, limit = 100): SchemaIssue[] {
	const issues: SchemaIssue[] = [];
	const report = (field: string, issue: string, description: string, offending?: unknown) => {
		if (issues.length >= limit) return;
		const shown = shortValue(offending);
		issues.push({ field, issue, description, ...(shown !== undefined ? { value: shown } : {}) });
	};

	const visit = (node: JsonSchema, current: unknown, pointer: string): void => {
		if (issues.length >= limit) return;
		if (node.$ref) {
			visit(resolveRef(document, node.$ref), current, pointer);
			return;
		}
		if (node.type && !typeMatches(node.type, current)) {
			report(
				pointer,
				'INVALID_PARAMETER_TYPE',
				`Expected ${node.type}, got ${current === null ? 'null' : Array.isArray(current) ? 'array' : typeof current}.`,
				current,
			);
			return;
		}
		if (node.enum && !node.enum.some((allowed) => allowed === current)) {
			report(pointer, 'INVALID_PARAMETER_VALUE', `Value must be one of ${node.enum.map(String).join(', ')}.`, current);
		}
		if (typeof current === 'string') {
			const length = [...current].length;
			if (node.minLength !== undefined && length < node.minLength) {
				report(pointer, 'INVALID_STRING_MIN_LENGTH', `Length must be at least ${node.minLength}; it is ${length}.`, current);
			}
			if (node.maxLength !== undefined && length > node.maxLength) {
				report(pointer, 'INVALID_STRING_MAX_LENGTH', `Length must be at most ${node.maxLength}; it is ${length}.`, current);
			}
			if (node.pattern !== undefined && !compiled(node.pattern).test(current)) {
				report(pointer, 'INVALID_PARAMETER_SYNTAX', `Value does not match the pattern ${node.pattern}.`, current);
			}
			if (node.format !== undefined && !formatMatches(node.format, current)) {
				report(pointer, 'INVALID_PARAMETER_SYNTAX', `Value is not a valid ${node.format}.`, current);
			}
		}
		if (typeof current === 'number') {
			if (node.minimum !== undefined && current < node.minimum) report(pointer, 'INVALID_PARAMETER_VALUE', `Value must be at least ${node.minimum}.`, current);
			if (node.maximum !== undefined && current > node.maximum) report(pointer, 'INVALID_PARAMETER_VALUE', `Value must be at most ${node.maximum}.`, current);
		}
		if (Array.isArray(current)) {
			if (node.minItems !== undefined && current.length < node.minItems) {
				report(pointer, 'INVALID_ARRAY_MIN_ITEMS', `The array must have at least ${node.minItems} items; it has ${current.length}.`);
			}
			if (node.maxItems !== undefined && current.length > node.maxItems) {
				// one issue for the whole array: the caller has sent too much, the items do not matter
				report(pointer, 'INVALID_ARRAY_MAX_ITEMS', `The array must have at most ${node.maxItems} items; it has ${current.length}.`);
				return;
			}
			if (node.items) current.forEach((entry, index) => visit(node.items as JsonSchema, entry, pointer + pointerPart(index)));
		}
		if (current !== null && typeof current === 'object' && !Array.isArray(current)) {
			const object = current as Record<string, unknown>;
			for (const key of node.required ?? []) {
				if (object[key] === undefined) report(pointer + pointerPart(key), 'MISSING_REQUIRED_PARAMETER', `A required field / parameter is missing: ${key}.`);
			}
			for (const [key, entry] of Object.entries(object)) {
				if (entry === undefined) continue;
				const property = node.properties?.[key];
				if (property) visit(property, entry, pointer + pointerPart(key));
				else if (node.additionalProperties === false) report(pointer + pointerPart(key), 'UNKNOWN_FIELD', `Field ${key} is not allowed here.`);
				else if (node.additionalProperties && typeof node.additionalProperties === 'object')
					visit(node.additionalProperties, entry, pointer + pointerPart(key));
			}
		}
	};

	visit(schema, value, '');
	return issues;
}

/**
 * Validates query parameters (strings, as they arrive) against an operation's parameter schemas, turning
 * "2" into 2 and "true" into true first, as a server does before checking. Returns the problems and the
 * coerced values.
 */
export function validateQuery(
	document: SchemaDocument,
	parameters: QueryParameter[],
	query: Record<string, string>,
): { issues: SchemaIssue[]; values: Record<string, unknown> } {
	const issues: SchemaIssue[] = [];
	const values: Record<string, unknown> = {};
	for (const parameter of parameters.filter((one) => one.in === 'query')) {
		const raw = query[parameter.name];
		if (raw === undefined) {
			if (parameter.required)
				issues.push({ field: parameter.name, issue: 'MISSING_REQUIRED_PARAMETER', description: `Query parameter ${parameter.name} is required.` });
			continue;
		}
		const schema = parameter.schema.$ref ? resolveRef(document, parameter.schema.$ref) : parameter.schema;
		let value: unknown = raw;
		if (schema.type === 'integer' || schema.type === 'number') value = /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
		if (schema.type === 'boolean') value = raw === 'true' ? true : raw === 'false' ? false : raw;
		for (const problem of validateSchema(document, schema, value)) issues.push({ ...problem, field: parameter.name });
		values[parameter.name] = value;
	}
	return { issues, values };
}

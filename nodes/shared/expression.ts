import type { INodeProperties } from 'n8n-workflow';

/**
 * A JavaScript literal for plain data that cannot end an n8n expression early: the engine splits templates at "}}"
 * without reading JavaScript strings, so braces inside strings become escapes and structural ones get a space.
 */
export function braceSafeLiteral(value: unknown): string {
	if (typeof value === 'string') return JSON.stringify(value).replace(/[{}]/g, (brace) => (brace === '{' ? '\\u007b' : '\\u007d'));
	if (Array.isArray(value)) return `[${value.map(braceSafeLiteral).join(', ')}]`;
	if (value !== null && typeof value === 'object') {
		return `{ ${Object.entries(value)
			.map(([key, entry]) => `${braceSafeLiteral(key)}: ${braceSafeLiteral(entry)}`)
			.join(', ')} }`;
	}
	return JSON.stringify(value);
}

/**
 * An expression (for a node's subtitle, which only the editor evaluates) giving the label of the option chosen for
 * `parameter`, e.g. "Conversion Log" rather than conversionLog; the value itself for one no option has. Every
 * property of that name counts, so an option list split by displayOptions still maps.
 */
export function optionLabel(properties: INodeProperties[], parameter: string): string {
	const labels: Record<string, string> = {};
	for (const property of properties) {
		if (property.name !== parameter || property.type !== 'options') continue;
		for (const option of property.options ?? []) if ('value' in option) labels[String(option.value)] = option.name;
	}
	if (Object.keys(labels).length === 0) throw new Error(`No options named ${parameter}`);
	const value = `$parameter[${JSON.stringify(parameter)}]`;
	return `(${braceSafeLiteral(labels)}[${value}] || ${value})`;
}

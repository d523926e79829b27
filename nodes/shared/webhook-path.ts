import type { IDataObject, IWebhookDescription } from 'n8n-workflow';

/**
 * n8n ≥ 2.41 resolves a webhook description field natively, without its expression engine, when the description
 * carries a resolver for that field under this registered symbol (n8n-workflow's WEBHOOK_RESOLVERS), the field
 * still holds the resolver's exact template, and the node's parameters hold no expression. Under the default
 * `vm` expression engine every evaluation otherwise runs in an isolate, several times per webhook request.
 * `Symbol.for` keeps this free of an import older n8n-workflow versions lack: there the key is simply ignored and
 * the template is evaluated as before.
 */
const WEBHOOK_RESOLVERS = Symbol.for('n8n.webhookDescriptionResolvers');

/** A description field: the expression the editor evaluates, and its native equivalent for static parameters. */
export interface NativeField {
	template: string;
	resolve: (parameters: IDataObject) => unknown;
}

/**
 * A webhook description whose templated fields each carry their native resolver: `resolve(parameters)` must return
 * exactly what the template evaluates to for static parameters.
 */
export function nativeWebhook(
	description: Omit<IWebhookDescription, 'path' | 'httpMethod'> & { httpMethod?: string },
	fields: Record<string, NativeField> & { path: NativeField },
): IWebhookDescription {
	const webhook = { ...description } as IWebhookDescription;
	for (const [name, field] of Object.entries(fields)) (webhook as unknown as Record<string, unknown>)[name] = field.template;
	Object.defineProperty(webhook, WEBHOOK_RESOLVERS, { value: { ...fields }, enumerable: true });
	return webhook;
}

/**
 * A webhook description whose `path` is `template` (an n8n expression), with `resolve` as its native equivalent:
 * `resolve(parameters)` must return exactly what the template evaluates to for static parameters. `isFullPath`
 * may be given the same way (a template and its native resolver).
 */
export function webhookWithPath(
	description: Omit<IWebhookDescription, 'path'>,
	template: string,
	resolve: (parameters: IDataObject) => string,
	isFullPathTemplate?: string,
	resolveIsFullPath?: (parameters: IDataObject) => boolean,
): IWebhookDescription {
	const fields: Record<string, NativeField> & { path: NativeField } = { path: { template, resolve } };
	if (isFullPathTemplate !== undefined && resolveIsFullPath) fields.isFullPath = { template: isFullPathTemplate, resolve: resolveIsFullPath };
	return nativeWebhook(description, fields);
}

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
	const webhook = { ...description, path: template } as IWebhookDescription;
	const resolvers: Record<string, { template: string; resolve: (parameters: IDataObject) => unknown }> = { path: { template, resolve } };
	if (isFullPathTemplate !== undefined && resolveIsFullPath) {
		(webhook as unknown as Record<string, unknown>).isFullPath = isFullPathTemplate;
		resolvers.isFullPath = { template: isFullPathTemplate, resolve: resolveIsFullPath };
	}
	Object.defineProperty(webhook, WEBHOOK_RESOLVERS, { value: resolvers, enumerable: true });
	return webhook;
}

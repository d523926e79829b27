import type { IDataObject, IWebhookDescription } from 'n8n-workflow';
import { DEFAULT_CUSTOM_TEMPLATE, customParams, listNetworks } from '../../src/networks';
import { braceSafeLiteral } from '../shared/expression';
import { nativeWebhook } from '../shared/webhook-path';

/** What the query needs besides the node's parameters; inlined into the editor's template as a literal. */
export interface PasteUrlData {
	/** The query each preset appends to the node's URL, in the network's macro syntax ('' when it takes the bare URL). */
	queries: Record<string, string>;
	/** The Custom preset's parameters, in the order the URL lists them. */
	params: readonly string[];
	/** The placeholders a new Custom trigger starts with (before the editor has stored any). */
	defaults: Record<string, string>;
}

const BASE = 'https://n8n.invalid/webhook/path';

export const PASTE_URL_DATA: PasteUrlData = {
	queries: Object.fromEntries(
		listNetworks()
			.filter((network) => network.id !== 'custom')
			.map((network) => {
				const url = network.postbackUrlTemplate(BASE);
				if (!url.startsWith(BASE)) throw new Error(`The ${network.name} postback URL must start with the node's URL`);
				return [network.id, url.slice(BASE.length)];
			}),
	),
	params: [...customParams],
	defaults: { ...DEFAULT_CUSTOM_TEMPLATE } as Record<string, string>,
};

/**
 * The query of the postback URL to paste into the network (with its leading "?"), or '' when there is none.
 * Self-contained on purpose: its source is inlined into the template the editor evaluates, so the editor and the
 * native resolver run the same code (like n8n-workflow's fromFunction). It must match customPostbackUrl.
 */
export function pasteQuery(parameters: IDataObject, data: PasteUrlData): string {
	if (parameters.network !== 'custom') return data.queries[String(parameters.network)] || '';
	const placeholders = (parameters.customPlaceholders === undefined ? data.defaults : parameters.customPlaceholders || {}) as IDataObject;
	const pairs: string[] = [];
	for (const name of data.params) {
		const value = typeof placeholders[name] === 'string' ? (placeholders[name] as string).trim() : '';
		if (value !== '') pairs.push(name + '=' + value);
	}
	return pairs.length > 0 ? '?' + pairs.join('&') : '';
}

const QUERY_CALL = `(${String(pasteQuery)})($parameter, ${braceSafeLiteral(PASTE_URL_DATA)})`;

/** The body of an `={{…}}` template, to combine it with another. */
const expressionBody = (template: string): string => {
	if (!template.startsWith('={{') || !template.endsWith('}}')) throw new Error(`Not a single expression: ${template}`);
	return template.slice(3, -2);
};

/**
 * The postback URL to paste, listed last under the node's "Webhook URLs" in the editor: the trigger's own path and
 * isFullPath (so the editor builds it from the instance's webhook base, and the node's secret webhook ID when that
 * is the authentication) plus the network's query. The editor evaluates its templates as the panel changes; n8n's
 * backend registers nothing for it (an empty HTTP method adds no webhook) and, for static parameters, resolves its
 * fields natively, so no postback evaluates an expression for it. Hidden when the URL carries no query.
 */
export function pasteUrlWebhook(
	path: { template: string; resolve: (parameters: IDataObject) => string },
	isFullPath: { template: string; resolve: (parameters: IDataObject) => boolean },
): IWebhookDescription {
	return nativeWebhook(
		{ name: 'default', ndvHideMethod: true },
		{
			path: {
				template: `={{(${expressionBody(path.template)}) + ${QUERY_CALL}}}`,
				resolve: (parameters) => path.resolve(parameters) + pasteQuery(parameters, PASTE_URL_DATA),
			},
			isFullPath: { template: isFullPath.template, resolve: isFullPath.resolve },
			// No method: n8n skips an empty one, so this entry is shown in the editor and never registered.
			httpMethod: { template: '', resolve: () => '' },
			ndvHideUrl: {
				template: `={{${QUERY_CALL} === ""}}`,
				resolve: (parameters) => pasteQuery(parameters, PASTE_URL_DATA) === '',
			},
		},
	);
}

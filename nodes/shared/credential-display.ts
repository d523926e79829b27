import type { ICredentialsDisplayOptions, NodeParameterValue } from 'n8n-workflow';

/**
 * Display options for a credential needed only for some parameter values, naming each parameter from the root of
 * the node's parameters ("/store"), which n8n reads exactly like "store" for a top-level parameter. n8n's editor
 * puts the whole credential block at the last parameter a credential's `show` names (it takes that for the auth
 * field), so naming the store or the operation directly drags the node's credentials down the panel; named from
 * the root, they sit first, where n8n's own nodes put them.
 */
export function credentialShownFor(show: Record<string, NodeParameterValue[]> & { '@version'?: number[] }): ICredentialsDisplayOptions {
	return {
		show: Object.fromEntries(Object.entries(show).map(([name, values]) => [name.startsWith('@') || name.startsWith('/') ? name : `/${name}`, values])),
	};
}

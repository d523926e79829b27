import type { ICredentialType, INodeType } from 'n8n-workflow';
import { DESTINATIONS, type Platform } from '../../src/destinations';
import type { PlatformDefinition } from '../../src/destinations/definition';
import { platformCredential, platformNode } from './platform-node';

/**
 * The node and credential class of each platform in the registry, built once: the files n8n loads
 * (nodes/platforms/, credentials/platforms/, written by scripts/platform-files.mjs) re-export these.
 */
const nodes = new Map<Platform, new () => INodeType>();
const credentials = new Map<string, new () => ICredentialType>();

function definitionOf(platform: Platform): PlatformDefinition<Platform, never> {
	const destination = DESTINATIONS[platform] as unknown as Partial<PlatformDefinition<Platform, never>> | undefined;
	if (!destination?.node || !destination.credential) throw new Error(`No platform definition for "${platform}"`);
	return destination as PlatformDefinition<Platform, never>;
}

export function platformNodeClass(platform: Platform): new () => INodeType {
	if (!nodes.has(platform)) nodes.set(platform, platformNode(definitionOf(platform) as never));
	return nodes.get(platform)!;
}

/** The platform's credential class: its first credential, or the alternate named by its class name. */
export function platformCredentialClass(platform: Platform, className?: string): new () => ICredentialType {
	const key = className === undefined ? platform : `${platform}:${className}`;
	if (!credentials.has(key)) credentials.set(key, platformCredential(definitionOf(platform) as never, className));
	return credentials.get(key)!;
}

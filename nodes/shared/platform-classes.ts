import type { ICredentialType, INodeType } from 'n8n-workflow';
import { DESTINATIONS, type Platform } from '../../src/destinations';
import type { PlatformDefinition } from '../../src/destinations/definition';
import { platformCredential, platformNode } from './platform-node';

/**
 * The node and credential class of each platform in the registry, built once: the files n8n loads
 * (nodes/platforms/, credentials/platforms/, written by scripts/platform-files.mjs) re-export these.
 */
const nodes = new Map<Platform, new () => INodeType>();
const credentials = new Map<Platform, new () => ICredentialType>();

function definitionOf(platform: Platform): PlatformDefinition<Platform, never> {
	const destination = DESTINATIONS[platform] as unknown as Partial<PlatformDefinition<Platform, never>> | undefined;
	if (!destination?.node || !destination.credential) throw new Error(`No platform definition for "${platform}"`);
	return destination as PlatformDefinition<Platform, never>;
}

export function platformNodeClass(platform: Platform): new () => INodeType {
	if (!nodes.has(platform)) nodes.set(platform, platformNode(definitionOf(platform) as never));
	return nodes.get(platform)!;
}

export function platformCredentialClass(platform: Platform): new () => ICredentialType {
	if (!credentials.has(platform)) credentials.set(platform, platformCredential(definitionOf(platform) as never));
	return credentials.get(platform)!;
}

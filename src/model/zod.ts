/**
 * The one place the engine imports zod. n8n's community-package rules forbid runtime dependencies,
 * so the build (scripts/vendor-zod.mjs) ships zod's v3 API inside dist/ and points this module at it;
 * in tests and type checks it is the devDependency. `zod/v3` exists in zod 3.25+ and 4.x alike.
 */
export { z } from 'zod/v3';

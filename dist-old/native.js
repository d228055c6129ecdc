// Loads the addon and declares its surface. Every other module reaches native code through here.
import { fileURLToPath } from 'node:url';
import { loadAddon } from './addon-loader.js';
const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const native = loadAddon(PACKAGE_ROOT);
//# sourceMappingURL=native.js.map
/** The addon file this package root would load, or a coded ERR_ADDON_MISSING error. */
export declare function locateAddon(root: string): string;
/** Loads the addon of a package root; the caller gives it its type. */
export declare function loadAddon(root: string): unknown;

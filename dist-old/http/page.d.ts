export declare function renderPage(title: string): string;

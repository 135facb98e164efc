// Types of contract.mjs, for test/contract.test.ts.
export declare const GENERATED_DIR: string;
export declare const HEADER: string;
export declare function readDocument(): Record<string, unknown>;
export declare function renderApi(document: Record<string, unknown>): Promise<string>;
export declare function renderErrorCodes(document: Record<string, unknown>): string;

import type { Format } from "ajv";
export declare function isFullDate(text: string): boolean;
export declare const formats: Record<string, Format>;

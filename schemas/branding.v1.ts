/* Generated from schemas/branding.v1.json by scripts/gen-types.mjs. Do not edit: run `npm run gen:schemas`. */

/**
 * How an MSP presents itself in client reports: name, logo, contacts, support hours, response times and escalation path. See docs/report.md.
 */
export interface Branding {
  schema: "caveat.branding/v1";
  msp: {
    name: string;
    /**
     * PNG, JPEG or SVG file, relative to the branding file; embedded in the report.
     */
    logo?: string;
    address?: string;
    phone?: string;
    email?: string;
    website?: string;
    /**
     * Who signs for the MSP; printed under the MSP signature block.
     */
    representative?: {
      name: string;
      title?: string;
    };
  };
  report?: {
    title?: string;
    /**
     * Default A4.
     */
    paper?: "A4" | "Letter";
    accentColor?: string;
    /**
     * The client is asked to return the signed report within this many days (default 14).
     */
    decisionDays?: number;
  };
  support?: {
    hours?: string;
    channels?: {
      name: string;
      contact: string;
      use?: string;
    }[];
    responseTimes?: {
      priority: string;
      example?: string;
      response: string;
      resolution?: string;
    }[];
    /**
     * In order: who to turn to when the previous level did not resolve the matter.
     */
    escalation?: {
      contact: string;
      when?: string;
    }[];
  };
}

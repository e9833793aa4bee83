/**
 * Browser-facing protections of the web pages: security headers with a
 * Content-Security-Policy that allows no inline script or style, no caching
 * of pages that may show secrets, and refusal of cross-origin form posts
 * (a second line behind the CSRF token and the SameSite cookie).
 */
import type { RequestHandler } from 'express';
import helmet from 'helmet';
import { ForbiddenError } from '../lib/errors.js';

/** A state-changing request that did not come from a page of this site (403). */
export class CrossOriginRequestError extends ForbiddenError {
  constructor() {
    super('This form was not submitted from this site. Reload the page and try again.');
  }
}

/** helmet with gitgate's policy; HSTS and upgrade-insecure-requests only when served over https. */
export function securityHeaders(https: boolean): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        // The two-factor QR code is an inline SVG data URL rendered on the server.
        imgSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        ...(https ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    strictTransportSecurity: https ? { maxAge: 31_536_000 } : false,
    xFrameOptions: { action: 'deny' },
    // Not helmet's no-referrer: under it browsers send `Origin: null` on
    // same-origin form posts, and the origin check below needs the real one.
    referrerPolicy: { policy: 'same-origin' },
  });
}

/** Pages may show a token or recovery codes once: never store them in any cache. */
export const noStore: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  next();
};

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Refuses unsafe methods whose Fetch Metadata or Origin says they came from
 * another origin. Requests with neither header (old browsers, scripts) pass
 * on to the CSRF token check. `externalOrigin` is accepted besides the
 * request's own Host, for deployments behind a proxy that rewrites it.
 */
export function sameOriginOnly(externalOrigin: string): RequestHandler {
  return (req, _res, next) => {
    if (SAFE_METHODS.has(req.method)) return next();
    const site = req.get('sec-fetch-site');
    if (site !== undefined && site !== 'same-origin' && site !== 'none') throw new CrossOriginRequestError();
    const origin = req.get('origin');
    if (origin !== undefined && origin !== externalOrigin && origin !== `${req.protocol}://${req.get('host')}`) {
      throw new CrossOriginRequestError();
    }
    next();
  };
}

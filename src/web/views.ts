/**
 * Server-side rendering with Eta: templates under `views/`, every `<%= %>`
 * interpolation HTML-escaped (autoEscape), compiled templates cached.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Request, Response } from 'express';
import { Eta } from 'eta';
import type { Csrf } from './csrf.js';
import type { LayoutModel, NavItem, ViewModels } from './view-models.js';
import { webState } from './web-state.js';

const VIEWS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'views');

/** The templates of the web pages, rendered with typed models. */
export class Views {
  private readonly eta = new Eta({ views: VIEWS_DIR, autoEscape: true, cache: true });

  constructor(private readonly csrf: Csrf) {}

  /** The layout fields of a page for this request (issues the CSRF token its forms carry). */
  layout(req: Request, res: Response, title: string, nav: NavItem | null = null): LayoutModel {
    const { user } = webState(res);
    return {
      title,
      csrfToken: this.csrf.token(req, res),
      user: user ? { username: user.username, name: user.name } : null,
      nav,
      notice: null,
      alert: null,
    };
  }

  /** Renders `view` with `model` as the response, with `status`. */
  render<V extends keyof ViewModels>(res: Response, status: number, view: V, model: ViewModels[V]): void {
    const html = this.eta.render(`./${view}`, model);
    res.status(status).type('html').send(html);
  }
}

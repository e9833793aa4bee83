/**
 * The project page at a project's `web_url`, `/<namespace>/<project>`: name,
 * description, visibility and — for whoever may read the code — the default
 * branch and the clone URLs over HTTP and SSH with copy buttons. Visibility
 * follows the projects' rules: a visitor who is not signed in and may not
 * see the project is sent to sign in (whether it exists or not, as GitLab
 * does); a signed-in user who may not see it gets the 404 of a missing one.
 */
import { Router } from 'express';
import { NotFoundError } from '../lib/errors.js';
import type { ProjectService, VisibleProject } from '../projects/project.service.js';
import type { ProjectUrls } from '../projects/project-urls.js';
import { matchProjectPage } from './project-path.js';
import { requireUser } from './session-cookie.js';
import type { Views } from './views.js';
import { webState } from './web-state.js';

/** What the project page needs. */
export interface ProjectPageDeps {
  projects: ProjectService;
  urls: ProjectUrls;
  views: Views;
}

/** GET (and HEAD) of a project page; other paths and methods fall through. */
export function projectPageRoutes(deps: ProjectPageDeps): Router {
  const { projects, urls, views } = deps;
  const router = Router();
  router.use(async (req, res, next) => {
    const page = req.method === 'GET' || req.method === 'HEAD' ? matchProjectPage(req.path) : null;
    if (!page) return next();
    const { namespace, project: path } = page;
    if (page.withGitSuffix) return res.redirect(301, `/${namespace}/${path}`);
    const { user } = webState(res);
    const viewer = user ? { id: user.id, username: user.username, isAdmin: user.isAdmin } : null;
    let visible: VisibleProject;
    try {
      visible = await projects.get(viewer, `${namespace}/${path}`);
    } catch (err) {
      if (err instanceof NotFoundError && !viewer) return requireUser(req, res, next);
      throw err;
    }
    const { project } = visible;
    // The canonical spelling of the path, as the URLs elsewhere give it.
    if (project.namespace !== namespace || project.path !== path) return res.redirect(301, `/${project.namespace}/${project.path}`);
    const defaultBranch = await projects.defaultBranch(viewer, visible);
    views.render(res, 200, 'project', {
      ...views.layout(req, res, project.name),
      wide: true,
      project: {
        name: project.name,
        fullPath: `${project.namespace}/${project.path}`,
        description: project.description,
        visibility: project.visibility,
      },
      repository:
        defaultBranch === undefined ? null : { defaultBranch, http: urls.http(project), ssh: urls.ssh(project) },
    });
  });
  return router;
}

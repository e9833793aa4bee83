/** Who may see a project without membership. */
export type Visibility = 'private' | 'internal' | 'public';

export const VISIBILITIES: readonly Visibility[] = ['private', 'internal', 'public'];

/** A project: one bare repository at `<namespace>/<path>.git`. */
export interface Project {
  id: number;
  /** The owner's username; the owner has `owner` access. */
  namespace: string;
  path: string;
  name: string;
  description: string | null;
  visibility: Visibility;
  creatorId: number;
  createdAt: Date;
}

export type NewProject = Omit<Project, 'id'>;

export type ProjectPatch = Partial<Pick<Project, 'name' | 'description' | 'visibility'>>;

/** A user's membership of a project. */
export interface Member {
  projectId: number;
  userId: number;
  accessLevel: number;
  createdAt: Date;
}

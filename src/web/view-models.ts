/**
 * The data each template receives. Routes build these; templates only
 * display them (every interpolation is escaped by the engine).
 */

/** Entries of the settings sidebar. */
export type NavItem = 'access_tokens' | 'two_factor';

/** What the layout around every page needs. */
export interface LayoutModel {
  title: string;
  csrfToken: string;
  user: { username: string; name: string } | null;
  nav: NavItem | null;
  /** A one-time success message. */
  notice: string | null;
  /** A one-time error message for the whole page. */
  alert: string | null;
  /** A page of content wider than a form (the project page); default: narrow. */
  wide?: boolean;
}

/** The password step of sign-in. */
export interface SignInModel extends LayoutModel {
  login: string;
  returnTo: string | null;
}

/** The second sign-in step: the TOTP or recovery code. */
export type TwoFactorStepModel = LayoutModel;

/** One scope checkbox. */
export interface ScopeOption {
  name: string;
  description: string;
  checked: boolean;
}

/** One project of the restrictions' picker. */
export interface ProjectOption {
  id: number;
  fullPath: string;
  checked: boolean;
}

/** One row of the active tokens table, formatted for display. */
export interface TokenRowModel {
  id: number;
  name: string;
  description: string | null;
  scopes: string;
  /** The token's restrictions in one line; null when it has none. */
  limits: string | null;
  created: string;
  createdIso: string;
  lastUsed: string;
  lastUsedIso: string | null;
  expires: string;
  expiresIso: string | null;
}

/** One of the user's recent audit events. */
export interface AuditRowModel {
  what: string;
  when: string;
  whenIso: string;
  /** The client address, or empty. */
  address: string;
}

/** Settings → Access tokens. */
export interface AccessTokensModel extends LayoutModel {
  /** The token just created, shown once. */
  newToken: { name: string; value: string } | null;
  form: {
    name: string;
    description: string;
    expiresAt: string;
    scopes: ScopeOption[];
    restrictions: {
      /** Shown open: the form holds a limit or an error about one. */
      open: boolean;
      /** Projects the user can see, to pick from. */
      projects: ProjectOption[];
      /** How many more projects the user can see than the picker lists. */
      projectsOmitted: number;
      namespaces: string;
      allowedIps: string;
      pushRefs: string;
      allowForcePush: boolean;
      allowRefDeletion: boolean;
    };
    /** Messages of the last failed submission, each naming its field. */
    errors: { field: string; message: string }[];
  };
  expiry: { min: string; max: string | null; required: boolean };
  tokens: TokenRowModel[];
  /** The user's latest security events, newest first. */
  events: AuditRowModel[];
}

/** Settings → Two-factor authentication. */
export interface TwoFactorModel extends LayoutModel {
  enabled: boolean;
  /** Shown once, right after enabling. */
  recoveryCodes: string[] | null;
  remainingRecoveryCodes: number;
  /** Present while 2FA is not yet enabled. */
  setup: { qrCode: string; secret: string; account: string } | null;
  enableError: string | null;
  disableError: string | null;
}

/** A project's page. */
export interface ProjectModel extends LayoutModel {
  project: { name: string; fullPath: string; description: string | null; visibility: string };
  /** For viewers who may read the code; null for those who may only see the project (guests). */
  repository: {
    /** The branch HEAD names; null when it names none. */
    defaultBranch: string | null;
    http: string;
    /** Null while SSH is off. */
    ssh: string | null;
  } | null;
}

/** The page for failures no form shows in place. */
export interface ErrorModel extends LayoutModel {
  status: number;
  message: string;
}

/** Template name → the model it is rendered with. */
export interface ViewModels {
  'sign-in': SignInModel;
  'two-factor-step': TwoFactorStepModel;
  'access-tokens': AccessTokensModel;
  'two-factor': TwoFactorModel;
  project: ProjectModel;
  error: ErrorModel;
}

import type {ReactNode} from 'react';
import {useAuth} from './AuthProvider';
import type {ExperienceLevel, ProfessionalRole} from './types';

interface GateProps {
  children?: ReactNode;
  /** Shown while the session is still being checked (default: nothing, so no wrong content flashes). */
  loading?: ReactNode;
}

/** Content for signed-in readers only. */
export function SignedIn({children, loading = null}: GateProps): ReactNode {
  const {status} = useAuth();
  if (status === 'loading') return <>{loading}</>;
  return status === 'signed-in' ? <>{children}</> : null;
}

/** Content for signed-out readers only. */
export function SignedOut({children, loading = null}: GateProps): ReactNode {
  const {status} = useAuth();
  if (status === 'loading') return <>{loading}</>;
  return status === 'signed-out' ? <>{children}</> : null;
}

/** Accepts "beginner", "beginner|intermediate", "beginner, intermediate" or an array. */
function toList(value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  const parts = typeof value === 'string' ? value.split(/[\s,|]+/) : [...value];
  return parts.map((p) => p.trim().toLowerCase()).filter(Boolean);
}

type OneOrMany<T extends string> = T | readonly T[] | (string & {});

export interface ForExperienceProps extends GateProps {
  /** One level or several: level="beginner" or level="intermediate|advanced". */
  level: OneOrMany<ExperienceLevel>;
}

/** Content for signed-in readers whose profile has one of the given experience levels. */
export function ForExperience({level, children, loading = null}: ForExperienceProps): ReactNode {
  const {status, profile} = useAuth();
  if (status === 'loading') return <>{loading}</>;
  if (status !== 'signed-in' || !profile) return null;
  return toList(level).includes(profile.experience_level) ? <>{children}</> : null;
}

export interface ForRoleProps extends GateProps {
  /** One role or several: role="student" or role="researcher|engineer". */
  role: OneOrMany<ProfessionalRole>;
}

/** Content for signed-in readers whose profile has one of the given professional roles. */
export function ForRole({role, children, loading = null}: ForRoleProps): ReactNode {
  const {status, profile} = useAuth();
  if (status === 'loading') return <>{loading}</>;
  if (status !== 'signed-in' || !profile) return null;
  return toList(role).includes(profile.professional_role) ? <>{children}</> : null;
}

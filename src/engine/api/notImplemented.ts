// A capability whose engine part has not landed answers with this error, so the UI can show exactly what is
// missing instead of a fake result.
import { SatError } from '../../shared/errors';

export function notImplemented(what: string, missing: string): SatError {
  return new SatError('NOT_IMPLEMENTED', `${what} is not available in this build: ${missing}.`, {
    hint: 'This part of the engine has not been built yet; the rest of the app keeps working.',
    details: { what, missing },
  });
}

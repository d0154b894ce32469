const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A deployment ID (d- and nine letters or digits) from the workflow's deterministic random source. */
export function newDeploymentId(): string {
  let id = 'd-';
  for (let i = 0; i < 9; i += 1) id += ID_ALPHABET[Math.floor(Math.random() * ID_ALPHABET.length)];
  return id;
}

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { access, chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * citc's own SSH key for the management node's sudo account (the image's default user on AWS, `citc` on
 * Google Cloud). That account accepts this key only: the cluster users' keys go to their own accounts
 * (role users), so a user is not root on the node that holds the munge key and the cloud role unless
 * citc.yaml marks them admin. Made once per cluster, kept with the other secrets in .citc/<cluster>/secrets.
 */
export function deployKeyPath(workDir: string): string {
  return join(workDir, 'secrets', 'deploy_key');
}

export interface DeployKey {
  privateKeyFile: string;
  /** The OpenSSH public key line. */
  publicKey: string;
}

function sshString(data: Buffer | string): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data) : data;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([len, body]);
}

/** Pure: an ed25519 key pair in OpenSSH's own formats (the private key unencrypted, as ssh-keygen -N '' writes it). */
export function openSshEd25519(seed: Buffer, pub: Buffer, comment: string, checkInt: number) {
  const publicBlob = Buffer.concat([sshString('ssh-ed25519'), sshString(pub)]);
  const check = Buffer.alloc(8);
  check.writeUInt32BE(checkInt >>> 0, 0);
  check.writeUInt32BE(checkInt >>> 0, 4);
  let secret = Buffer.concat([
    check,
    sshString('ssh-ed25519'),
    sshString(pub),
    sshString(Buffer.concat([seed, pub])),
    sshString(comment),
  ]);
  const pad = (8 - (secret.length % 8)) % 8;
  secret = Buffer.concat([secret, Buffer.from(Array.from({ length: pad }, (_, i) => i + 1))]);
  const nkeys = Buffer.alloc(4);
  nkeys.writeUInt32BE(1);
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0'),
    sshString('none'),
    sshString('none'),
    sshString(''),
    nkeys,
    sshString(publicBlob),
    sshString(secret),
  ]).toString('base64');
  const lines = body.match(/.{1,70}/g) ?? [];
  return {
    privateKey: `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`,
    publicKey: `ssh-ed25519 ${publicBlob.toString('base64')} ${comment}`,
  };
}

/** Makes the cluster's deploy key if there is none (node:crypto, no ssh-keygen needed); returns it. */
export async function ensureDeployKey(workDir: string, cluster: string): Promise<DeployKey> {
  const file = deployKeyPath(workDir);
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await chmod(dirname(file), 0o700);
  const exists = await access(file).then(
    () => true,
    () => false,
  );
  if (!exists) {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const pub = Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url');
    const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d as string, 'base64url');
    const key = openSshEd25519(seed, pub, `citc-deploy@${cluster}`, randomBytes(4).readUInt32BE());
    // wx: two deploys at once never overwrite a key the other already used.
    await writeFile(file, key.privateKey, { mode: 0o600, flag: 'wx' }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
    await writeFile(`${file}.pub`, `${key.publicKey}\n`, { mode: 0o644, flag: 'wx' }).catch(
      (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      },
    );
  }
  await chmod(file, 0o600);
  const publicKey = (await readFile(`${file}.pub`, 'utf8')).trim();
  return { privateKeyFile: file, publicKey };
}

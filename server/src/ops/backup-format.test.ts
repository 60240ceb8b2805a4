import { describe, expect, it } from 'vitest';
import { BACKUP_FORMAT, BackupError, checkHeader, decodeEmbedding, encodeEmbedding, identityRecord, parseIdentityLine, storePartKind, storePartName } from './backup-format.js';

describe('backup format', () => {
  it('round-trips embeddings bit for bit, including values JSON numbers would round', () => {
    const v = Float32Array.from([0.1, -0, 1e-38, -3.4028234e38, Math.PI, 1 / 3]);
    const back = decodeEmbedding(encodeEmbedding(v), v.length, 'x');
    expect(Buffer.from(back.buffer)).toEqual(Buffer.from(v.buffer));
    // A view into a larger buffer encodes only its own values.
    const view = new Float32Array(Float32Array.from([9, 1, 2, 9]).buffer, 4, 2);
    expect(Array.from(decodeEmbedding(encodeEmbedding(view), 2, 'x'))).toEqual([1, 2]);
    expect(() => decodeEmbedding(encodeEmbedding(v), 5, 'part 1 line 3')).toThrow(/part 1 line 3: the embedding has 6 values, expected 5/);
  });

  it('writes an identity with its templates as one line and reads it back in the gallery port shapes', () => {
    const identity = { id: 'i1', name: 'Ada', notes: 'n', tags: ['t'], createdAt: 1, updatedAt: 2, templateCount: 1 };
    const template = { id: 't1', identityId: 'i1', embedding: Float32Array.from([0.6, 0.8]), kind: 'negative' as const, quality: 0.5, source: 'a.jpg', createdAt: 3 };
    const line = JSON.stringify(identityRecord(identity, [template]));
    expect(line).not.toContain('\n');
    const back = parseIdentityLine(line, 2, 'p');
    expect(back.identity).toMatchObject({ id: 'i1', name: 'Ada', notes: 'n', tags: ['t'], createdAt: 1, updatedAt: 2 });
    expect(back.templates).toEqual([template]);
    expect(() => parseIdentityLine('{"id":1}', 2, 'p line 1')).toThrow(BackupError);
    expect(() => parseIdentityLine('not json', 2, 'p line 2')).toThrow(/p line 2: not JSON/);
  });

  it('names store parts by store and reads the store back from the name', () => {
    expect(storePartName('sightings', 12)).toBe('stores/sightings-00012.jsonl');
    expect(storePartKind(storePartName('audit', 0))).toBe('audit');
    expect(storePartKind('stores/secrets-00000.jsonl')).toBeUndefined();
    expect(storePartKind('stores/tokens-1.jsonl')).toBeUndefined();
  });

  it('accepts its own header and refuses foreign or newer ones', () => {
    const header = { format: BACKUP_FORMAT, formatVersion: 1, gallery: { backend: 'embedded', space: { model: 'm', dim: 4 } } };
    expect(checkHeader(header, 'f').gallery.space).toEqual({ model: 'm', dim: 4 });
    expect(checkHeader({ ...header, formatVersion: 2 }, 'f').formatVersion).toBe(2);
    expect(() => checkHeader({ format: 'other' }, 'f')).toThrow(/f is not a BoostFace backup/);
    expect(() => checkHeader({ ...header, formatVersion: 3 }, 'f')).toThrow(/v3, newer than this BoostFace reads \(v2\)/);
    expect(() => checkHeader({ ...header, gallery: { backend: 'embedded' } }, 'f')).toThrow(/no embedding space/);
  });
});

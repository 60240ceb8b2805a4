/**
 * Identity changes that reach beyond the gallery: deleting an identity removes its templates, then its sightings and
 * their snapshots; renaming or merging relabels its sightings. The gallery change comes first: if it fails nothing
 * else is touched; if the sighting step fails afterwards, re-running the same call finishes it (both are idempotent).
 */
import type { Gallery, Identity } from '../gallery/gallery.js';
import type { SightingRetention } from './sighting-retention.js';

export class IdentityAdmin {
  constructor(
    private readonly gallery: Gallery,
    private readonly sightings: SightingRetention | undefined,
  ) {}

  async delete(identityId: string): Promise<{ templatesRemoved: number; sightingsRemoved: number }> {
    const templatesRemoved = await this.gallery.deleteIdentity(identityId);
    const sightingsRemoved = (await this.sightings?.deleteIdentity(identityId)) ?? 0;
    return { templatesRemoved, sightingsRemoved };
  }

  async rename(identityId: string, name: string): Promise<Identity> {
    const identity = await this.gallery.updateIdentity(identityId, { name });
    await this.sightings?.relabel(identityId, { id: identity.id, name: identity.name });
    return identity;
  }

  async merge(fromId: string, intoId: string): Promise<{ templatesMoved: number; sightingsMoved: number }> {
    const templatesMoved = await this.gallery.mergeIdentities(fromId, intoId);
    const into = await this.gallery.getIdentity(intoId);
    const sightingsMoved = into ? ((await this.sightings?.relabel(fromId, { id: into.id, name: into.name })) ?? 0) : 0;
    return { templatesMoved, sightingsMoved };
  }
}

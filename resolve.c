// SPDX-License-Identifier: GPL-2.0-only
/*
 * perftop: user frames as object file + offset.
 *
 * In process context, from the address space a per-CPU slot kept alive:
 * each frame's mapping, the file behind it (read once: its PT_LOAD segments
 * and build-id), and the ELF virtual address nm and addr2line use.
 *
 * Not compiled on its own: perftop.c includes it, so that the module is one
 * translation unit (see there).
 */

/* ---- objects: the files user frames lie in ------------------------------ */

#define PERFTOP_NT_GNU_BUILD_ID	3

/*
 * LEN bytes at POS of FILE, from the page cache only: no read is ever
 * started, so that a file that never answers (a FUSE server that does not
 * reply, a dead NFS or virtiofs mount) cannot hold the drain, and with it
 * perftop_mutex, readers and rmmod.  A page that is not cached and up to
 * date fails the read (-EAGAIN): the object is then named by its path and
 * file offsets only.  As lib/buildid.c does.  An executable's headers are
 * read by the exec or the dynamic loader, so they are in the cache.
 */
static int perftop_read_at(struct file *file, void *buf, size_t len, loff_t pos)
{
	struct address_space *mapping = file->f_mapping;
	size_t off, n;
	struct page *page;
	void *p;

	if (pos < 0 || pos + len > i_size_read(file_inode(file)))
		return -EIO;
	while (len) {
		off = offset_in_page(pos);
		n = min_t(size_t, len, PAGE_SIZE - off);
		page = find_get_page(mapping, pos >> PAGE_SHIFT);
		if (!page)
			return -EAGAIN;
		if (!PageUptodate(page)) {
			put_page(page);
			return -EAGAIN;
		}
		p = kmap_local_page(page);
		memcpy(buf, p + off, n);
		kunmap_local(p);
		put_page(page);
		buf += n;
		pos += n;
		len -= n;
	}
	return 0;
}

/* The GNU build-id from the notes in [off, off + size) of FILE. */
static int perftop_read_build_id(struct perftop_object *o, struct file *file,
				 u64 off, u64 size, u64 vaddr)
{
	size_t pos = 0, namesz, descsz, step;
	struct elf64_note *nh;
	char *p = elf_buf;
	int ret;

	size = min_t(u64, size, PAGE_SIZE);
	ret = perftop_read_at(file, p, size, off);
	if (ret)
		return ret;
	while (pos + sizeof(*nh) <= size) {
		nh = (struct elf64_note *)(p + pos);
		namesz = ALIGN(nh->n_namesz, 4);
		descsz = ALIGN(nh->n_descsz, 4);
		step = sizeof(*nh) + namesz + descsz;
		if (namesz > size || descsz > size || pos + step > size)
			return 0;
		if (nh->n_type == PERFTOP_NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
		    !memcmp(nh + 1, "GNU", 4) && nh->n_descsz &&
		    nh->n_descsz <= PERFTOP_BUILD_ID_MAX) {
			memcpy(o->build_id, p + pos + sizeof(*nh) + namesz, nh->n_descsz);
			o->build_id_len = nh->n_descsz;
			o->build_id_vaddr = vaddr + pos + sizeof(*nh) + namesz;
			return 0;
		}
		pos += step;
	}
	return 0;
}

/*
 * An ELF file's PT_LOAD segments (to turn a file offset into the virtual
 * address nm and addr2line use) and its build-id.  Both ELF classes: a
 * 32-bit task's objects are ELF32.  Anything else is not ELF, and its frames
 * are file offsets.  A page not in the page cache leaves the object marked
 * "uncached", to be read again when next met.
 */
static int __perftop_read_elf(struct perftop_object *o, struct file *file)
{
	union {
		struct elf32_hdr e32;
		struct elf64_hdr e64;
	} eh;
	struct elf64_phdr ph;
	unsigned int i, phnum, phentsize;
	u64 phoff;
	bool is64;
	u16 type;
	int ret;

	ret = perftop_read_at(file, &eh, sizeof(eh), 0);
	if (ret)
		return ret;
	if (memcmp(eh.e64.e_ident, ELFMAG, SELFMAG))
		return 0;
	is64 = eh.e64.e_ident[EI_CLASS] == ELFCLASS64;
	if (!is64 && eh.e64.e_ident[EI_CLASS] != ELFCLASS32)
		return 0;
	type = is64 ? eh.e64.e_type : eh.e32.e_type;
	phoff = is64 ? eh.e64.e_phoff : eh.e32.e_phoff;
	phnum = is64 ? eh.e64.e_phnum : eh.e32.e_phnum;
	phentsize = is64 ? eh.e64.e_phentsize : eh.e32.e_phentsize;
	if ((type != ET_EXEC && type != ET_DYN) || phnum > PERFTOP_MAX_PHDRS ||
	    phentsize != (is64 ? sizeof(struct elf64_phdr) : sizeof(struct elf32_phdr)))
		return 0;
	for (i = 0; i < phnum; i++) {
		if (is64) {
			ret = perftop_read_at(file, &ph, sizeof(ph), phoff + i * phentsize);
			if (ret)
				return ret;
		} else {
			struct elf32_phdr p32;

			ret = perftop_read_at(file, &p32, sizeof(p32), phoff + i * phentsize);
			if (ret)
				return ret;
			ph.p_type = p32.p_type;
			ph.p_offset = p32.p_offset;
			ph.p_vaddr = p32.p_vaddr;
			ph.p_filesz = p32.p_filesz;
		}
		if (ph.p_type == PT_LOAD && o->nr_loads < PERFTOP_MAX_LOADS) {
			o->loads[o->nr_loads].offset = ph.p_offset;
			o->loads[o->nr_loads].filesz = ph.p_filesz;
			o->loads[o->nr_loads].vaddr = ph.p_vaddr;
			o->nr_loads++;
		} else if (ph.p_type == PT_NOTE && !o->build_id_len) {
			ret = perftop_read_build_id(o, file, ph.p_offset, ph.p_filesz,
						    ph.p_vaddr);
			if (ret == -EAGAIN)
				return ret;
		}
	}
	return 0;
}

static void perftop_read_elf(struct perftop_object *o, struct file *file)
{
	o->nr_loads = 0;
	o->build_id_len = 0;
	o->uncached = __perftop_read_elf(o, file) == -EAGAIN;
	o->elf = o->nr_loads > 0;
}

static unsigned int perftop_object_bucket(dev_t dev, unsigned long ino)
{
	return hash_64((u64)dev << 32 ^ ino, 8);
}

/*
 * Objects live while something names frames by them: each map of a memo
 * and each frame of an entry in one holds a reference.  The last put frees
 * the object and its id, so files seen once (rebuilt binaries, memfd JITs)
 * do not fill the table for good.  When it is full all the same, entries
 * make room (perftop_make_object_room()).
 */
static bool perftop_make_object_room(void);

static struct perftop_object *perftop_object_by_id(u64 id)
{
	if (id < PERFTOP_OBJ_FIRST || id - PERFTOP_OBJ_FIRST >= nr_objects)
		return NULL;
	return objects[id - PERFTOP_OBJ_FIRST];
}

static void perftop_object_free(struct perftop_object *o)
{
	hlist_del(&o->hnode);
	objects[o->id] = NULL;
	live_objects--;
	free_object = min(free_object, o->id);
	kfree(o);
}

static void perftop_object_get(u64 id, bool memo)
{
	struct perftop_object *o = perftop_object_by_id(id);

	if (o) {
		o->refs++;
		o->memo_refs += memo;
	}
}

static void perftop_object_put(u64 id, bool memo)
{
	struct perftop_object *o = perftop_object_by_id(id);

	if (!o)
		return;
	if (memo && o->memo_refs)
		o->memo_refs--;
	if (!o->refs || !--o->refs)
		perftop_object_free(o);
}

/* The object id user frame FRAME names, if any. */
static u64 perftop_frame_object(u64 frame)
{
	if ((frame & PERFTOP_FRAME_ANON) == PERFTOP_FRAME_ANON)
		return PERFTOP_OBJ_ANON;
	return frame >> PERFTOP_FRAME_OBJ_SHIFT;
}

static struct perftop_object *perftop_object_of(u64 frame)
{
	return perftop_object_by_id(perftop_frame_object(frame));
}

/* The id of a file a frame of KEY lies in that no live process maps, or 0. */
static u64 perftop_key_unmapped_object(const struct perftop_key *key)
{
	struct perftop_object *o;
	unsigned int i;

	for (i = 0; key->kind == PERFTOP_USER && i < key->nr; i++) {
		o = perftop_object_of(key->frames[i]);
		if (o && !o->memo_refs)
			return perftop_frame_object(key->frames[i]);
	}
	return 0;
}

/* Does a frame of KEY lie in object ID? */
static bool perftop_key_names(const struct perftop_key *key, u64 id)
{
	unsigned int i;

	for (i = 0; key->kind == PERFTOP_USER && i < key->nr; i++)
		if (perftop_frame_object(key->frames[i]) == id)
			return true;
	return false;
}

/* An entry of KEY came in (GET) or left: its frames' objects. */
static void perftop_key_objects(const struct perftop_key *key, bool get)
{
	unsigned int i;

	if (key->kind != PERFTOP_USER)
		return;
	for (i = 0; i < key->nr; i++) {
		if (get)
			perftop_object_get(perftop_frame_object(key->frames[i]), false);
		else
			perftop_object_put(perftop_frame_object(key->frames[i]), false);
	}
}

/* The object id of FILE, read and added when first seen. */
static u64 perftop_object(struct file *file)
{
	struct inode *inode = file_inode(file);
	struct hlist_head *head;
	struct perftop_object *o;
	s64 ctime = perftop_inode_ctime(inode);
	dev_t dev = inode->i_sb->s_dev;
	char *path;

	head = &object_buckets[perftop_object_bucket(dev, inode->i_ino)];
	hlist_for_each_entry(o, head, hnode)
		if (o->dev == dev && o->ino == inode->i_ino &&
		    o->generation == inode->i_generation) {
			/*
			 * One file, one object: a chmod in a loop must not
			 * split a code path's rank.  Changed since (ctime),
			 * its headers are read again.
			 */
			if (o->uncached || o->ctime != ctime) {
				o->ctime = ctime;
				perftop_read_elf(o, file);
			}
			goto found;
		}
	if (live_objects == max_objects && !perftop_make_object_room())
		return PERFTOP_OBJ_FULL;
	path = d_path(&file->f_path, path_buf, PATH_MAX);
	if (IS_ERR(path))
		path = "[unknown file]";
	o = kzalloc(struct_size(o, path, strlen(path) + 1), GFP_KERNEL);
	if (!o)
		return PERFTOP_OBJ_FULL;
	strcpy(o->path, path);
	o->dev = dev;
	o->ino = inode->i_ino;
	o->generation = inode->i_generation;
	o->ctime = ctime;
	perftop_read_elf(o, file);
	hlist_add_head(&o->hnode, head);
	while (free_object < nr_objects && objects[free_object])
		free_object++;
	o->id = free_object++;
	nr_objects = max(nr_objects, free_object);
	objects[o->id] = o;
	live_objects++;
found:
	return PERFTOP_OBJ_FIRST + o->id;
}

/* The frame at offset OFF of object ID (an object id, or VDSO or ANON). */
static u64 perftop_frame(u64 id, u64 off)
{
	u64 frame = id << PERFTOP_FRAME_OBJ_SHIFT;
	struct perftop_object *o;
	unsigned int i;

	if (id == PERFTOP_OBJ_ANON)
		return PERFTOP_FRAME_ANON | (off & PERFTOP_FRAME_ANON_VALUE);
	if (id < PERFTOP_OBJ_FIRST)
		return frame | (off & PERFTOP_FRAME_VALUE);
	o = objects[id - PERFTOP_OBJ_FIRST];
	for (i = 0; i < o->nr_loads; i++) {
		if (off < o->loads[i].offset || off - o->loads[i].offset >= o->loads[i].filesz)
			continue;
		off += o->loads[i].vaddr - o->loads[i].offset;
		return frame | (off & PERFTOP_FRAME_VALUE);
	}
	return frame | PERFTOP_FRAME_FILEOFF | (off & PERFTOP_FRAME_VALUE);
}

/* ---- memos: the mappings of processes, for frames after their exit ------ */

static struct perftop_memo *perftop_memo_find(struct mm_struct *mm)
{
	struct perftop_memo *m;

	hash_for_each_possible(memo_buckets, m, hnode, (unsigned long)mm)
		if (m->mm == mm)
			return m;
	return NULL;
}

static void perftop_memo_free(struct perftop_memo *m)
{
	unsigned int i;

	for (i = 0; i < m->nr; i++)
		perftop_object_put(m->maps[i].id, true);
	perftop_view_drop(m);
	hash_del(&m->hnode);
	mmdrop(m->mm);
	kfree(m->maps);
	kfree(m);
	nr_memos--;
}

/*
 * Free the memos of processes that exited (their address space has no
 * users) and that no drain has used lately (ALL: every one).  A live
 * process's memo stays, and its view with it: a process that wakes now and
 * then (a daemon) is walked by its tables from each wake, not from the
 * drain after it.  perftop_memo_room() makes room when they are many.
 */
static void perftop_memo_expire(bool all)
{
	struct perftop_memo *m;
	struct hlist_node *tmp;
	unsigned int b;

	hash_for_each_safe(memo_buckets, b, tmp, m, hnode)
		if (all || (totals.drains - m->used >= PERFTOP_MEMO_DRAINS &&
			    !atomic_read(&m->mm->mm_users)))
			perftop_memo_free(m);
}

/* Free the memo used longest ago, but not in this drain: room for another. */
static bool perftop_memo_room(void)
{
	struct perftop_memo *m, *old = NULL;
	unsigned int b;

	hash_for_each(memo_buckets, b, m, hnode)
		if (m->used != totals.drains && (!old || m->used < old->used))
			old = m;
	if (!old)
		return false;
	perftop_memo_free(old);
	return true;
}

/*
 * Take MM's executable mappings into M, under its mmap lock (read).  New
 * files become objects here: their headers come from the page cache, with
 * no I/O.  On failure M keeps what it had.
 */
static void perftop_memo_take(struct perftop_memo *m, struct mm_struct *mm)
{
	struct perftop_memo_map *maps, *p;
	struct vm_area_struct *vma;
	struct vma_iterator vmi;
	unsigned int nr = 0, i;

	vma_iter_init(&vmi, mm, 0);
	for_each_vma(vmi, vma) {
		if (!(vma->vm_flags & VM_EXEC))
			continue;
		if (nr == PERFTOP_MEMO_MAPS)
			break;
		p = &memo_scratch[nr++];
		p->start = vma->vm_start;
		p->end = vma->vm_end;
		if (vma->vm_file) {
			/*
			 * Held at once: making room for the next file may
			 * evict the last entry that names this one.
			 */
			p->id = perftop_object(vma->vm_file);
			perftop_object_get(p->id, true);
			p->off = (u64)vma->vm_pgoff << PAGE_SHIFT;
		} else if (vma->vm_start == (unsigned long)mm->context.vdso) {
			p->id = PERFTOP_OBJ_VDSO;
			p->off = 0;
		} else {
			p->id = PERFTOP_OBJ_ANON;
			p->off = vma->vm_start;
		}
	}
	maps = nr ? kmemdup(memo_scratch, nr * sizeof(*maps), GFP_KERNEL) : NULL;
	if (nr && !maps) {
		for (i = 0; i < nr; i++)
			perftop_object_put(memo_scratch[i].id, true);
		return;
	}
	for (i = 0; i < m->nr; i++)
		perftop_object_put(m->maps[i].id, true);
	kfree(m->maps);
	m->maps = maps;
	m->nr = nr;
	m->map_count = mm->map_count;
}

/*
 * The mmap lock of MM, for reading, if it is free at once: the drain must
 * not wait behind a writer that waits behind a reader stuck in a fault on a
 * file that never answers.  A memo not yet taken (FIRST) is worth a few
 * short retries: an exec or mmap holds the lock only briefly.
 */
static bool perftop_mmap_trylock(struct mm_struct *mm, bool first)
{
	unsigned int tries;

	for (tries = 0; tries < (first ? 4 : 1); tries++) {
		if (tries)
			usleep_range(100, 200);
		if (mmap_read_trylock(mm))
			return true;
	}
	return false;
}

/*
 * MM's memo, made if need be and taken again if its mappings changed,
 * while the address space has users.  No reference is taken on it: with
 * the mmap lock held and users seen under it, its mappings cannot be freed
 * (exit_mmap() frees them under the lock for writing, once the users are
 * gone; the OOM reaper relies on the same), and a reference
 * could make the drain the last user, so that the exit of a process would
 * finish late, in the drain, holding its executable against writes for a
 * moment after its parent's wait().  What the memo has otherwise, or NULL.
 */
/*
 * A memo could not be taken again (its address space was locked: ld.so
 * mapping the libraries): the drain asks for another soon, rather than
 * leave the process walked and named by old mappings until the periodic one.
 */
static bool perftop_memo_stale;

static struct perftop_memo *perftop_memo_get(struct mm_struct *mm)
{
	struct perftop_memo *m = perftop_memo_find(mm);

	if (m && m->used == totals.drains)
		return m;		/* taken in this drain already */
	if (!atomic_read(&mm->mm_users))
		goto out;		/* it exited: what the memo has */
	if (!m && (nr_memos < PERFTOP_MAX_MEMOS || perftop_memo_room())) {
		m = kzalloc(sizeof(*m), GFP_KERNEL);
		if (m) {
			mmgrab(mm);
			m->mm = mm;
			m->map_count = -1;
			hash_add(memo_buckets, &m->hnode, (unsigned long)mm);
			nr_memos++;
		}
	}
	if (m && READ_ONCE(mm->map_count) != m->map_count) {
		if (!perftop_mmap_trylock(mm, m->map_count < 0)) {
			perftop_memo_stale = true;
			goto out;
		}
		/*
		 * Users, seen under the lock: exit_mmap() cannot be past
		 * its first stage.  Without them it may have torn the
		 * mappings down already (lockdep: an RCU splat in the
		 * maple tree; frames "in no executable mapping").
		 */
		if (atomic_read(&mm->mm_users))
			perftop_memo_take(m, mm);
		mmap_read_unlock(mm);
		/* Outside the mmap lock: no lock of ours is taken under it. */
		perftop_view_make(m);
	}
out:
	if (m)
		m->used = totals.drains;
	return m;
}

static const struct perftop_memo_map *perftop_memo_lookup(const struct perftop_memo *m,
							  unsigned long addr)
{
	unsigned int lo = 0, hi = m->nr, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (addr < m->maps[mid].start)
			hi = mid;
		else if (addr >= m->maps[mid].end)
			lo = mid + 1;
		else
			return &m->maps[mid];
	}
	return NULL;
}

/*
 * A raw stack as the global table keys it: kernel frames as they are, user
 * frames named from their process's memo.  The walk is cut at the first
 * frame outside an executable mapping: data that code without frame
 * pointers left in the register.  A process that exited before any drain
 * saw it, or whose address space was locked at the first, has no memo: its
 * frames stay addresses, marked so.
 */
static void perftop_resolve(const struct perftop_raw_head *r, const unsigned long *frames,
			    struct perftop_key *k)
{
	const struct perftop_memo_map *p;
	struct perftop_memo *m;
	unsigned long addr;
	unsigned int i;
	u64 why;

	memset(k, 0, sizeof(*k));
	k->kind = r->kind;
	k->walk = r->walk;
	k->compat = r->compat;
	k->nr = r->nr;
	if (r->kind != PERFTOP_USER) {
		for (i = 0; i < r->nr; i++)
			k->frames[i] = frames[i];
		return;
	}
	m = perftop_memo_get(r->mm);
	if (!m || m->map_count < 0) {
		/* Its exit holds the lock for writing once it has no users. */
		why = atomic_read(&r->mm->mm_users) ? PERFTOP_OBJ_BUSY : PERFTOP_OBJ_EXITED;
		for (i = 0; i < r->nr; i++)
			k->frames[i] = why << PERFTOP_FRAME_OBJ_SHIFT |
				       (frames[i] & PERFTOP_FRAME_VALUE);
		return;
	}
	for (i = 0; i < r->nr; i++) {
		addr = frames[i];
		p = perftop_memo_lookup(m, addr);
		if (p) {
			k->frames[i] = perftop_frame(p->id, p->off + addr - p->start);
			continue;
		}
		if (i) {
			k->walk = PERFTOP_TRUNCATED;
			k->nr = i;
			break;
		}
		/*
		 * The instruction pointer with no mapping: say so.  Unless
		 * the memo is older than the mappings (a library ld.so
		 * mapped in a short program): the process exited before a
		 * drain took them again, or its mmap lock was held when this
		 * one tried.
		 */
		if (!atomic_read(&r->mm->mm_users))
			why = PERFTOP_OBJ_EXITED;
		else if (READ_ONCE(r->mm->map_count) != m->map_count)
			why = PERFTOP_OBJ_BUSY;
		else
			why = PERFTOP_OBJ_NOMAP;
		k->frames[i] = why << PERFTOP_FRAME_OBJ_SHIFT | (addr & PERFTOP_FRAME_VALUE);
	}
}

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

static ssize_t perftop_read_at(struct file *file, void *buf, size_t len, loff_t pos)
{
	ssize_t n = kernel_read(file, buf, len, &pos);

	return n == len ? 0 : -EIO;
}

/* The GNU build-id from the notes in [off, off + size) of FILE. */
static void perftop_read_build_id(struct perftop_object *o, struct file *file,
				  u64 off, u64 size)
{
	size_t pos = 0, namesz, descsz, step;
	struct elf64_note *nh;
	char *p = elf_buf;

	size = min_t(u64, size, PAGE_SIZE);
	if (perftop_read_at(file, p, size, off))
		return;
	while (pos + sizeof(*nh) <= size) {
		nh = (struct elf64_note *)(p + pos);
		namesz = ALIGN(nh->n_namesz, 4);
		descsz = ALIGN(nh->n_descsz, 4);
		step = sizeof(*nh) + namesz + descsz;
		if (namesz > size || descsz > size || pos + step > size)
			return;
		if (nh->n_type == PERFTOP_NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
		    !memcmp(nh + 1, "GNU", 4) && nh->n_descsz &&
		    nh->n_descsz <= PERFTOP_BUILD_ID_MAX) {
			memcpy(o->build_id, p + pos + sizeof(*nh) + namesz, nh->n_descsz);
			o->build_id_len = nh->n_descsz;
			return;
		}
		pos += step;
	}
}

/*
 * An ELF file's PT_LOAD segments (to turn a file offset into the virtual
 * address nm and addr2line use) and its build-id.  Both ELF classes: a
 * 32-bit task's objects are ELF32.  Anything else is not ELF, and its frames
 * are file offsets.
 */
static void perftop_read_elf(struct perftop_object *o, struct file *file)
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

	if (perftop_read_at(file, &eh, sizeof(eh), 0) ||
	    memcmp(eh.e64.e_ident, ELFMAG, SELFMAG))
		return;
	is64 = eh.e64.e_ident[EI_CLASS] == ELFCLASS64;
	if (!is64 && eh.e64.e_ident[EI_CLASS] != ELFCLASS32)
		return;
	type = is64 ? eh.e64.e_type : eh.e32.e_type;
	phoff = is64 ? eh.e64.e_phoff : eh.e32.e_phoff;
	phnum = is64 ? eh.e64.e_phnum : eh.e32.e_phnum;
	phentsize = is64 ? eh.e64.e_phentsize : eh.e32.e_phentsize;
	if ((type != ET_EXEC && type != ET_DYN) || phnum > PERFTOP_MAX_PHDRS ||
	    phentsize != (is64 ? sizeof(struct elf64_phdr) : sizeof(struct elf32_phdr)))
		return;
	for (i = 0; i < phnum; i++) {
		if (is64) {
			if (perftop_read_at(file, &ph, sizeof(ph), phoff + i * phentsize))
				return;
		} else {
			struct elf32_phdr p32;

			if (perftop_read_at(file, &p32, sizeof(p32), phoff + i * phentsize))
				return;
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
			perftop_read_build_id(o, file, ph.p_offset, ph.p_filesz);
		}
	}
	o->elf = o->nr_loads > 0;
}

static unsigned int perftop_object_bucket(dev_t dev, unsigned long ino)
{
	return hash_64((u64)dev << 32 ^ ino, 8);
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
		    o->generation == inode->i_generation && o->ctime == ctime)
			goto found;
	if (nr_objects == max_objects)
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
	o->id = nr_objects;
	objects[nr_objects++] = o;
found:
	return PERFTOP_OBJ_FIRST + o->id;
}

static struct perftop_object *perftop_object_of(u64 frame)
{
	u64 id = frame >> PERFTOP_FRAME_OBJ_SHIFT;

	return id >= PERFTOP_OBJ_FIRST ? objects[id - PERFTOP_OBJ_FIRST] : NULL;
}

/* FILE's object and the address nm would give for file offset OFF in it. */
static u64 perftop_file_frame(struct file *file, u64 off)
{
	u64 id = perftop_object(file), frame = id << PERFTOP_FRAME_OBJ_SHIFT;
	struct perftop_object *o;
	unsigned int i;

	if (id < PERFTOP_OBJ_FIRST)
		return frame;
	o = objects[id - PERFTOP_OBJ_FIRST];
	for (i = 0; i < o->nr_loads; i++) {
		if (off < o->loads[i].offset || off - o->loads[i].offset >= o->loads[i].filesz)
			continue;
		off += o->loads[i].vaddr - o->loads[i].offset;
		return frame | (off & PERFTOP_FRAME_VALUE);
	}
	return frame | PERFTOP_FRAME_FILEOFF | (off & PERFTOP_FRAME_VALUE);
}

/*
 * Where one user frame lies, read under the mmap lock: a file (referenced)
 * and the offset in it, or a frame that needs no file.  Returns false when
 * ADDR is no return address: not in an executable mapping.
 */
static bool perftop_user_frame_where(struct mm_struct *mm, unsigned long addr,
				     u64 *frame, struct file **file)
{
	struct vm_area_struct *vma = vma_lookup(mm, addr);

	*file = NULL;
	if (!vma || !(vma->vm_flags & VM_EXEC))
		return false;
	if (vma->vm_file) {
		*file = get_file(vma->vm_file);
		*frame = ((u64)vma->vm_pgoff << PAGE_SHIFT) + addr - vma->vm_start;
	} else if (vma->vm_start == (unsigned long)mm->context.vdso) {
		*frame = (u64)PERFTOP_OBJ_VDSO << PERFTOP_FRAME_OBJ_SHIFT |
			 (addr - vma->vm_start);
	} else {
		*frame = (u64)PERFTOP_OBJ_ANON << PERFTOP_FRAME_OBJ_SHIFT | addr;
	}
	return true;
}

/*
 * A raw stack as the global table keys it: kernel frames as they are, user
 * frames resolved in their address space, which the slot kept alive.  The
 * walk is cut at the first frame outside an executable mapping: data that
 * code without frame pointers left in the register.  Files are read (for a
 * new object) only once the mmap lock is dropped.
 */
static void perftop_resolve(const struct perftop_raw *r, struct perftop_key *k)
{
	struct file *files[PERFTOP_MAX_DEPTH];
	unsigned int i;

	memset(k, 0, sizeof(*k));
	k->kind = r->kind;
	k->walk = r->walk;
	k->compat = r->compat;
	if (r->kind != PERFTOP_USER) {
		k->nr = r->nr;
		for (i = 0; i < r->nr; i++)
			k->frames[i] = r->frames[i];
		return;
	}
	mmap_read_lock(r->mm);
	for (i = 0; i < r->nr; i++) {
		if (perftop_user_frame_where(r->mm, r->frames[i], &k->frames[i], &files[i]))
			continue;
		if (i) {
			k->walk = PERFTOP_TRUNCATED;
			break;
		}
		/* The instruction pointer with no mapping: say so. */
		k->frames[i] = r->frames[i] & PERFTOP_FRAME_VALUE;
	}
	mmap_read_unlock(r->mm);
	k->nr = i;
	for (i = 0; i < k->nr; i++) {
		if (!files[i])
			continue;
		k->frames[i] = perftop_file_frame(files[i], k->frames[i]);
		fput(files[i]);
	}
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libyaml events -> a small node tree with 1-based marks. The event API is
 * used rather than yaml_parser_load() so that aliases can be refused (the
 * document loader expands them silently, the "billion laughs" shape) and so
 * that depth, node count and scalar size are bounded while reading.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "config_priv.h"

struct builder {
	struct hs_cfg_ctx *c;
	const char *buf;
	size_t len;
	struct hs_cfg_node *root;
	struct hs_cfg_node *stack[HS_CFG_DEPTH_MAX];
	unsigned int depth;
	unsigned int docs;
};

static struct hs_cfg_node *
node_new(struct builder *b, enum hs_cfg_node_type type, yaml_mark_t mark)
{
	struct hs_cfg_node *n;

	if (++b->c->n_nodes > HS_CFG_NODES_MAX) {
		hs_cfg_err_at(b->c, (uint32_t)mark.line + 1, (uint32_t)mark.column + 1, NULL,
			"too many values (more than %u)", HS_CFG_NODES_MAX);
		return NULL;
	}
	n = calloc(1, sizeof(*n));
	if (n == NULL) {
		hs_cfg_err_at(b->c, (uint32_t)mark.line + 1, (uint32_t)mark.column + 1, NULL,
			"out of memory");
		return NULL;
	}
	n->type = type;
	n->line = (uint32_t)mark.line + 1;
	n->col = (uint32_t)mark.column + 1;
	return n;
}

static int
node_add(struct hs_cfg_node *parent, struct hs_cfg_node *kid)
{
	if (parent->n == parent->cap) {
		uint32_t cap = parent->cap == 0 ? 4 : parent->cap * 2;
		struct hs_cfg_node **k = realloc(parent->kids, cap * sizeof(*k));

		if (k == NULL)
			return -ENOMEM;
		parent->kids = k;
		parent->cap = cap;
	}
	parent->kids[parent->n++] = kid;
	return 0;
}

void
hs_cfg_tree_free(struct hs_cfg_node *n)
{
	if (n == NULL)
		return;
	for (uint32_t i = 0; i < n->n; i++)
		hs_cfg_tree_free(n->kids[i]);
	if (n->str != NULL) {
		explicit_bzero(n->str, n->len);
		free(n->str);
	}
	free(n->kids);
	free(n);
}

/* Attach a new node under the top of the stack (or as the root). */
static int
attach(struct builder *b, struct hs_cfg_node *n)
{
	if (b->depth == 0) {
		b->root = n;
		return 0;
	}
	if (node_add(b->stack[b->depth - 1], n) < 0) {
		hs_cfg_err(b->c, n, NULL, "out of memory");
		hs_cfg_tree_free(n);
		return -ENOMEM;
	}
	return 0;
}

static int
on_scalar(struct builder *b, const yaml_event_t *ev)
{
	size_t len = ev->data.scalar.length;
	struct hs_cfg_node *n = node_new(b, HS_CFG_SCALAR, ev->start_mark);

	if (n == NULL)
		return -EINVAL;
	if (len > HS_CFG_SCALAR_MAX || memchr(ev->data.scalar.value, '\0', len) != NULL) {
		if (len > HS_CFG_SCALAR_MAX)
			hs_cfg_err(b->c, n, NULL, "value too long (%zu bytes, at most %u)", len,
				HS_CFG_SCALAR_MAX);
		else
			hs_cfg_err(b->c, n, NULL, "value contains a NUL character");
		hs_cfg_tree_free(n);
		return -EINVAL;
	}
	n->str = malloc(len + 1);
	if (n->str == NULL) {
		hs_cfg_err(b->c, n, NULL, "out of memory");
		hs_cfg_tree_free(n);
		return -ENOMEM;
	}
	memcpy(n->str, ev->data.scalar.value, len);
	n->str[len] = '\0';
	n->len = len;
	n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	return attach(b, n);
}

static int
on_start(struct builder *b, const yaml_event_t *ev, enum hs_cfg_node_type type)
{
	struct hs_cfg_node *n;

	if (b->depth >= HS_CFG_DEPTH_MAX) {
		hs_cfg_err_at(b->c, (uint32_t)ev->start_mark.line + 1,
			(uint32_t)ev->start_mark.column + 1, NULL,
			"nesting deeper than %u levels", HS_CFG_DEPTH_MAX);
		return -EINVAL;
	}
	n = node_new(b, type, ev->start_mark);
	if (n == NULL || attach(b, n) < 0)
		return -EINVAL;
	b->stack[b->depth++] = n;
	return 0;
}

/* 1 when the stream is over, 0 to go on, -errno on an error (reported). */
static int
on_event(struct builder *b, const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_STREAM_END_EVENT:
		return 1;
	case YAML_DOCUMENT_START_EVENT:
		if (++b->docs > 1) {
			hs_cfg_err_at(b->c, (uint32_t)ev->start_mark.line + 1,
				(uint32_t)ev->start_mark.column + 1, NULL,
				"only one YAML document is allowed in a configuration file");
			return -EINVAL;
		}
		return 0;
	case YAML_ALIAS_EVENT:
		hs_cfg_err_at(b->c, (uint32_t)ev->start_mark.line + 1,
			(uint32_t)ev->start_mark.column + 1, NULL,
			"YAML aliases (*%.40s) are not supported: write the value out",
			(const char *)ev->data.alias.anchor);
		return -EINVAL;
	case YAML_SCALAR_EVENT:
		return on_scalar(b, ev);
	case YAML_SEQUENCE_START_EVENT:
		return on_start(b, ev, HS_CFG_SEQ);
	case YAML_MAPPING_START_EVENT:
		return on_start(b, ev, HS_CFG_MAP);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		if (b->depth > 0)
			b->depth--;
		return 0;
	default:
		return 0;
	}
}

/* Line and column of a byte offset (reader errors carry only an offset). */
static void
offset_mark(const char *buf, size_t len, size_t off, uint32_t *line, uint32_t *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off && i < len; i++) {
		if (buf[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

static void
parser_error(struct builder *b, const yaml_parser_t *p)
{
	uint32_t line = (uint32_t)p->problem_mark.line + 1;
	uint32_t col = (uint32_t)p->problem_mark.column + 1;
	const char *problem = p->problem != NULL ? p->problem : "unknown error";

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		hs_cfg_err_at(b->c, 1, 1, NULL, "out of memory while reading YAML");
		break;
	case YAML_READER_ERROR:
		offset_mark(b->buf, b->len, p->problem_offset, &line, &col);
		hs_cfg_err_at(b->c, line, col, NULL, "invalid input: %s", problem);
		break;
	default:
		if (p->context != NULL)
			hs_cfg_err_at(b->c, line, col, NULL, "YAML syntax error: %s (%s at %u:%u)",
				problem, p->context, (unsigned int)p->context_mark.line + 1,
				(unsigned int)p->context_mark.column + 1);
		else
			hs_cfg_err_at(b->c, line, col, NULL, "YAML syntax error: %s", problem);
		break;
	}
}

/* Scalar text belongs to the tree now; wipe libyaml's copy (it may be a key). */
static void
event_wipe_delete(yaml_event_t *ev)
{
	if (ev->type == YAML_SCALAR_EVENT && ev->data.scalar.value != NULL)
		explicit_bzero(ev->data.scalar.value, ev->data.scalar.length);
	yaml_event_delete(ev);
}

static int
run_parser(struct builder *b)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	int rc = 0;

	if (!yaml_parser_initialize(&parser)) {
		hs_cfg_err_at(b->c, 1, 1, NULL, "out of memory while reading YAML");
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)b->buf, b->len);
	while (rc == 0) {
		if (!yaml_parser_parse(&parser, &ev)) {
			parser_error(b, &parser);
			rc = -EINVAL;
			break;
		}
		rc = on_event(b, &ev);
		event_wipe_delete(&ev);
	}
	/* libyaml's read buffers hold a window of the file, keys included. */
	if (parser.raw_buffer.start != NULL)
		explicit_bzero(parser.raw_buffer.start,
			(size_t)(parser.raw_buffer.end - parser.raw_buffer.start));
	if (parser.buffer.start != NULL)
		explicit_bzero(parser.buffer.start,
			(size_t)(parser.buffer.end - parser.buffer.start));
	yaml_parser_delete(&parser);
	return rc < 0 ? rc : 0;
}

struct hs_cfg_node *
hs_cfg_tree_build(struct hs_cfg_ctx *c, const char *buf, size_t len)
{
	struct builder b = { .c = c, .buf = buf, .len = len };

	if (run_parser(&b) < 0) {
		hs_cfg_tree_free(b.root);
		return NULL;
	}
	if (b.root == NULL || hs_cfg_is_null(b.root)) {
		hs_cfg_err_at(c, 1, 1, NULL, "empty configuration");
		hs_cfg_tree_free(b.root);
		return NULL;
	}
	if (b.root->type != HS_CFG_MAP) {
		hs_cfg_err(c, b.root, NULL, "expected a mapping at the top level (got %s)",
			hs_cfg_type_name(b.root));
		hs_cfg_tree_free(b.root);
		return NULL;
	}
	return b.root;
}

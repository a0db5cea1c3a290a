/* SPDX-License-Identifier: MIT */
/*
 * vkit.h -- shared by the scenario validator's files alone (scenario*.c,
 * vkit.c): the state of a validation walk and the kit's checks.
 */
#ifndef VKIT_H
#define VKIT_H

#define CODE_INVALID	"invalid_scenario"
#define CODE_LIMIT	"limit_exceeded"

#define REQUESTS_MAX	256
#define GROUP_MIN	2
#define GROUP_MAX	32
#define LEVELS_MAX	64
#define LABEL_VALUE_MAX	256
#define DEFAULT_OPEN_VUS 1000

#define PTR_MAX		256
#define CAPTURE_MAX_MAX	65536		/* capture_max at most */
#define INSPECT_BYTES_MAX 1048576	/* inspect_bytes at most */

/* The state of one validation walk. */
struct vctx {
	const struct limits	*lim;
	struct verror		*err;
	json_t			*names;	/* request names -> JSON pointer */
	int			 has_target;
	int			 has_monitor;	/* the scenario has a monitor */
	json_t			*vars;	/* normalised "vars" (borrowed) */
	json_t			*datasets; /* NAME: [COLUMN...], or NULL */
	json_t			*captures; /* NAME: pointer of its capture */
};

/* What vkit_opt() checks an optional field for. */
enum opt_kind {
	OPT_STRING,
	OPT_BOOL,
	OPT_DURATION,		/* zero allowed */
	OPT_POSITIVE_DURATION
};

/* vkit.c */
void		 vkit_cat(char *, size_t, const char *);
int		 vkit_in_list(const char **, const char *);
void		 vkit_ptr_key(char *, const char *, const char *);
void		 vkit_ptr_index(char *, const char *, size_t);
int		 vkit_fail_at(struct vctx *, const char *, const char *,
		     const char *, const char *, ...)
		     __attribute__((format(printf, 5, 6)));
int		 vkit_fail(struct vctx *, const char *, const char *, ...)
		     __attribute__((format(printf, 3, 4)));
const char	*vkit_kind(json_t *);
int		 vkit_fields(struct vctx *, json_t *, const char *,
		     const char **);
int		 vkit_missing(struct vctx *, const char *, const char *);
json_t		*vkit_need(struct vctx *, json_t *, const char *, const char *);
int		 vkit_object(struct vctx *, json_t *, const char *);
int		 vkit_string(struct vctx *, json_t *, const char *,
		     const char **);
int		 vkit_int(struct vctx *, json_t *, const char *, json_int_t *);
int		 vkit_number(struct vctx *, json_t *, const char *, double *);
int		 vkit_bool(struct vctx *, json_t *, const char *);
int		 vkit_enum(struct vctx *, json_t *, const char *, const char **);
int		 vkit_name(struct vctx *, json_t *, const char *, const char **);
int		 vkit_duration(struct vctx *, json_t *, const char *, int,
		     int64_t *);
int		 vkit_opt(struct vctx *, json_t *, json_t *, const char *,
		     const char *, enum opt_kind, json_t *, int64_t *);
void		 vkit_fmt_duration(char *, size_t, int64_t);
int		 vkit_register(struct vctx *, const char *, const char *);
const char	**vkit_names(struct vctx *);

/* scenario-requests.c */
int		 scenario_url(struct vctx *, json_t *, const char *, int);
int		 scenario_headers(struct vctx *, json_t *, const char *,
		     json_t **);
int		 scenario_requests(struct vctx *, json_t *, const char *, int,
		     json_t **);
int		 scenario_is_token(const char *);

/* scenario-inspect.c */
void		 scenario_capture_names(struct vctx *, json_t *, const char *);
int		 scenario_capture(struct vctx *, json_t *, const char *,
		     json_t **);
int		 scenario_checks(struct vctx *, json_t *, const char *,
		     json_t **);

/* scenario-load.c */
json_t		*scenario_load(struct vctx *, json_t *, const char *);

/* scenario-vars.c */
extern const char	*scenario_builtins[];
int		 scenario_vars(struct vctx *, json_t *, json_t *);
int		 scenario_template(struct vctx *, const char *, const char *);
char		*scenario_untemplated(const char *);

/* scenario.c */
int		 scenario_thresholds(struct vctx *, json_t *, const char *,
		     const char *, json_t **);

#endif

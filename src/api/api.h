/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The REST API of shared/API.md on top of the HTTP server: starts the
 * listener with voxdial's route table and authentication. */
#ifndef VD_API_H
#define VD_API_H

#include <stdint.h>

struct vd_store;
struct vd_tel;
struct vd_api;

struct vd_api_params {
	struct vd_store *store;      /* borrowed; must outlive the API */
	const char *addr;
	uint16_t port;               /* 0: any free port */
	const char *data_dir;        /* recordings, audio, reports */
	struct vd_tel *tel;          /* borrowed, may be NULL: /metrics then
	                              * prints no telephony figures */
};

int vd_api_start(struct vd_api **out, const struct vd_api_params *p);
uint16_t vd_api_port(const struct vd_api *api);
void vd_api_stop(struct vd_api *api);

#endif

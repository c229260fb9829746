/**
 * The directory area (groups, services, users), as the registry (functions/areas.ts) assembles
 * it. Its API description is ./api.ts.
 */
import { defineArea, jwtRoute } from '../shared/area.ts';

export default defineArea({
  name: 'directory',
  functions: {
    manageGroups: {
      entry: 'functions/directory/handlers/groups.ts',
      description: '/groups: assignment groups (admins write, agents read)',
      tableAccess: 'readWrite',
    },
    manageServices: {
      entry: 'functions/directory/handlers/services.ts',
      description: '/services: business services (admins write, agents read)',
      tableAccess: 'readWrite',
    },
    manageUsers: {
      entry: 'functions/directory/handlers/users.ts',
      description: '/users: the people incidents are assigned to (admins write, agents read)',
      tableAccess: 'readWrite',
    },
  },
  routes: [
    jwtRoute('GET', '/groups', 'manageGroups'),
    jwtRoute('POST', '/groups', 'manageGroups'),
    jwtRoute('GET', '/groups/{name}', 'manageGroups'),
    jwtRoute('PUT', '/groups/{name}', 'manageGroups'),
    jwtRoute('DELETE', '/groups/{name}', 'manageGroups'),
    jwtRoute('GET', '/services', 'manageServices'),
    jwtRoute('POST', '/services', 'manageServices'),
    jwtRoute('GET', '/services/{name}', 'manageServices'),
    jwtRoute('PUT', '/services/{name}', 'manageServices'),
    jwtRoute('DELETE', '/services/{name}', 'manageServices'),
    jwtRoute('GET', '/users', 'manageUsers'),
    jwtRoute('GET', '/users/{userId}', 'manageUsers'),
    jwtRoute('PUT', '/users/{userId}', 'manageUsers'),
    jwtRoute('DELETE', '/users/{userId}', 'manageUsers'),
  ],
  api: () => import('./api.ts'),
});
